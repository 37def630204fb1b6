package io.marmot.nats;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which servers of the cluster left, from the client addresses the connected server lists (its INFO's connect_urls,
 * updated when a route to another server closes). A feed whose consumer lived on a server that died delivers nothing
 * and says nothing; this is the word that one may have. Best effort: nats-server 2.9 did not send it in 5 of 18 kills
 * (ConsumerHostKilledTest, mostly of a cluster formed a moment before), and the watchdogs' looks then keep their idle
 * pace. Only a shrinking list while connected to the same server counts: a reconnection reads every feed again
 * anyway, and a server joining is no alarm. Thread-safe.
 */
final class ServerDepartures {
    private String server;
    private Set<String> known = Set.of();

    /** The addresses listed before and not now, given the server connected to and what it lists now. */
    synchronized List<String> gone(String connectedTo, List<String> listed) {
        Set<String> now = listed == null ? Set.of() : new LinkedHashSet<>(listed);
        List<String> gone = new ArrayList<>();
        if (Objects.equals(connectedTo, server) && !now.isEmpty()) { // none listed: a server that does not advertise
            for (String address : known) {
                if (!now.contains(address)) {
                    gone.add(address);
                }
            }
        }
        server = connectedTo;
        known = now;
        return gone;
    }
}
