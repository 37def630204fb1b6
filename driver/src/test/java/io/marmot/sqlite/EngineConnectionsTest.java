package io.marmot.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The bound's choice of what to let go, with holders that only record it (the pure logic of EngineConnections). */
class EngineConnectionsTest {
    /** A connection's owner: in a step or not; closed when let go, telling the bound as a real one does. */
    private static final class Owner implements EngineConnections.Holder {
        private final EngineConnections bound;
        private final Path database;
        boolean inStep;
        boolean open;

        Owner(EngineConnections bound, String database) {
            this.bound = bound;
            this.database = Path.of(database);
        }

        Owner open() {
            open = true;
            bound.opened(database, this);
            return this;
        }

        @Override
        public boolean letGoIfIdle() {
            if (inStep || !open) {
                return false;
            }
            open = false;
            bound.closed(database, this);
            return true;
        }
    }

    @Test
    void theDatabasesUsedLongestAgoGoFirstWithAllTheirConnections() {
        EngineConnections bound = new EngineConnections(3);
        Owner aPublisher = new Owner(bound, "a.db").open();
        Owner aApplier = new Owner(bound, "a.db").open();
        Owner b = new Owner(bound, "b.db").open();
        Owner c = new Owner(bound, "c.db").open();
        bound.used(Path.of("a.db")); // a was used last: b goes first
        bound.settle();
        assertEquals(3, bound.openCount());
        assertFalse(b.open, "b.db was used longest ago");
        assertTrue(aPublisher.open && aApplier.open && c.open);

        Owner d = new Owner(bound, "d.db").open();
        bound.settle();
        // c is now the least recently used database: one connection over the bound lets it go
        assertFalse(c.open);
        assertTrue(d.open && aPublisher.open && aApplier.open);
        assertEquals(3, bound.openCount());
        assertEquals(2, bound.letGo());
        assertEquals(4, bound.mostOpen());

        Owner e = new Owner(bound, "e.db").open();
        bound.used(Path.of("d.db"));
        bound.settle();
        // a is the oldest now: both its connections go (one alone would leave its database descriptor held)
        assertFalse(aPublisher.open || aApplier.open);
        assertTrue(d.open && e.open);
        assertEquals(2, bound.openCount());
    }

    @Test
    void aConnectionInAStepIsNeverTakenSoTheBoundIsPassedByTheStepsRunning() {
        EngineConnections bound = new EngineConnections(1);
        Owner a = new Owner(bound, "a.db").open();
        Owner b = new Owner(bound, "b.db").open();
        a.inStep = true;
        b.inStep = true;
        bound.settle();
        assertEquals(2, bound.openCount(), "both in a step: over the bound until one ends");
        b.inStep = false;
        bound.settle();
        assertTrue(a.open);
        assertFalse(b.open);
        assertEquals(1, bound.openCount());
    }

    @Test
    void theBoundIsReadFromTheSystemPropertyOrTheDescriptorLimit() {
        assertEquals(3_333, EngineConnections.forProcess(20_000).bound());
        assertEquals(4_096, EngineConnections.forProcess(1_048_576).bound());
        assertEquals(16, EngineConnections.forProcess(60).bound());
        System.setProperty(EngineConnections.BOUND_PROPERTY, "12");
        try {
            assertEquals(12, EngineConnections.forProcess(20_000).bound());
            System.setProperty(EngineConnections.BOUND_PROPERTY, "many");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> EngineConnections.forProcess(20_000));
            assertTrue(e.getMessage().contains("marmot.engineConnections must be a whole number, not 'many'"),
                    e.getMessage());
            System.setProperty(EngineConnections.BOUND_PROPERTY, "0");
            assertThrows(IllegalArgumentException.class, () -> EngineConnections.forProcess(20_000));
        } finally {
            System.clearProperty(EngineConnections.BOUND_PROPERTY);
        }
    }
}
