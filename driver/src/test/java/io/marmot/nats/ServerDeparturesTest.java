package io.marmot.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A server of the cluster left when the list its peer gives shrinks while the client stays on that peer. */
class ServerDeparturesTest {
    private final ServerDepartures departures = new ServerDepartures();

    @Test
    void aShrinkingListNamesWhoLeftAndNothingElseDoes() {
        List<String> three = List.of("127.0.0.1:4222", "127.0.0.1:4223", "127.0.0.1:4224");
        assertEquals(List.of(), departures.gone("nats://127.0.0.1:4222", three), "the first list: nothing before it");
        assertEquals(List.of(), departures.gone("nats://127.0.0.1:4222", List.of(three.get(2), three.get(0), three.get(1))),
                "the same servers in another order");
        assertEquals(List.of("127.0.0.1:4224"), departures.gone("nats://127.0.0.1:4222", three.subList(0, 2)));
        assertEquals(List.of(), departures.gone("nats://127.0.0.1:4222", three.subList(0, 2)), "said once");
        assertEquals(List.of(), departures.gone("nats://127.0.0.1:4222", three), "one coming back is no departure");
    }

    @Test
    void aReconnectionToAnotherServerStartsAfresh() {
        departures.gone("nats://127.0.0.1:4222", List.of("127.0.0.1:4222", "127.0.0.1:4223", "127.0.0.1:4224"));
        assertEquals(List.of(), departures.gone("nats://127.0.0.1:4223", List.of("127.0.0.1:4223", "127.0.0.1:4224")),
                "the feeds are read again at every reconnection anyway");
        assertEquals(List.of("127.0.0.1:4224"), departures.gone("nats://127.0.0.1:4223", List.of("127.0.0.1:4223")));
        assertEquals(List.of(), departures.gone("nats://127.0.0.1:4223", null), "a server that lists none");
        assertEquals(List.of(), departures.gone("nats://127.0.0.1:4223", List.of()), "(no_advertise)");
    }
}
