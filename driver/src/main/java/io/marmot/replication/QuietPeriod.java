package io.marmot.replication;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * How long a quiet database goes before it writes again an unchanged entry of its own in a bucket (schema
 * fingerprint, digest) or reads its peers' there: ten minutes or so, drawn anew each time between 9 and 11, so that
 * databases opened together do not do it together for ever after. Such looks are safety nets (a bucket lost with a
 * server's store, a peer's change missed): a change anywhere is looked at within seconds by other paths. Once a
 * minute, a thousand quiet databases cost the server 129 requests a second.
 */
public final class QuietPeriod {
    private static final long LEAST_NANOS = TimeUnit.MINUTES.toNanos(9);
    private static final long SPREAD_NANOS = TimeUnit.MINUTES.toNanos(2);
    /** The longest period drawn: an entry written again this often lapses after three periods missed. */
    public static final long LONGEST_NANOS = LEAST_NANOS + SPREAD_NANOS;

    private QuietPeriod() {
    }

    /** A period to wait, in nanoseconds. */
    public static long draw() {
        return LEAST_NANOS + ThreadLocalRandom.current().nextLong(SPREAD_NANOS);
    }
}
