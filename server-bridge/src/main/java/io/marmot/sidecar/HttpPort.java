package io.marmot.sidecar;

import java.util.ArrayList;
import java.util.List;

/**
 * Which port the HTTP endpoint listens on. A port the user gave (flag or config file) is taken or the sidecar
 * fails, since a monitor is configured to look there. Without one, several sidecars must be able to share a
 * machine as Marmot's do, so the default is a rule rather than a port: 8090, or the next free port up to 8099,
 * or else any free port the system hands out; the port chosen is logged.
 *
 * @param port the port given, or {@link #FIRST_DEFAULT} for the default rule; 0 (given) turns HTTP off
 * @param given whether the user asked for {@code port}
 */
record HttpPort(int port, boolean given) {
    static final int FIRST_DEFAULT = 8090;
    static final int LAST_DEFAULT = 8099;
    /** Asks the system for any free port. */
    static final int ANY = 0;

    static HttpPort given(int port) {
        return new HttpPort(port, true);
    }

    static HttpPort byDefault() {
        return new HttpPort(FIRST_DEFAULT, false);
    }

    boolean off() {
        return given && port == 0;
    }

    /** The ports to try, in order; {@link #ANY} stands for a port the system chooses. */
    List<Integer> candidates() {
        if (given) {
            return List.of(port);
        }
        List<Integer> ports = new ArrayList<>();
        for (int p = FIRST_DEFAULT; p <= LAST_DEFAULT; p++) {
            ports.add(p);
        }
        ports.add(ANY);
        return ports;
    }
}
