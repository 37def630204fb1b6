package io.marmot.replication;

/**
 * What went wrong with the NATS connection a node uses, counted since it was opened. Every engine of a JVM on the same
 * NATS URL shares one connection, so they all show the same counts. Each kind is also logged (heartbeat alarms, refused
 * pulls and slow consumers at most once a minute, with the count so far); none of them loses a change (the feeds read
 * again, the watchdog covers a silent one), but a count that keeps growing names a cause: a server cutting the
 * connection, a client too slow, feeds whose server died, pulls the server will not serve.
 *
 * @param connectionDrops times the established connection dropped (nats-server cuts a client whose unsent bytes pass
 *     its max_pending as a slow consumer without telling it)
 * @param slowConsumers times the client dropped messages a subscription could not take in time
 * @param heartbeatAlarms times a feed's consumer missed three heartbeats (its server died or is overloaded)
 * @param refusedPulls pulls the server answered with a refusal (an error status other than a consumer deleted, or a
 *     message larger than the pull's byte budget)
 * @param serversLeft times the server connected to said another server of its cluster left (the feeds are then
 *     looked at every few seconds for two minutes: one whose consumer lived there delivers nothing)
 */
public record NatsTroubles(long connectionDrops, long slowConsumers, long heartbeatAlarms, long refusedPulls,
        long serversLeft) {
    /** Nothing counted: no connection (replication off, or not opened yet). */
    public static final NatsTroubles NONE = new NatsTroubles(0, 0, 0, 0, 0);
}
