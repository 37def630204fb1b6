package io.marmot.sqlite;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The steps using one of an engine's connections now, for the JVM's bound ({@link EngineConnections}): the bound never
 * takes a connection between a step's {@link #begin} and its {@link #end}, and each end counts as a use and keeps
 * the bound.
 */
public final class StepsUsing {
    private final AtomicInteger steps = new AtomicInteger();
    private final EngineConnections bound;
    private final Path database;

    public StepsUsing(EngineConnections bound, Path database) {
        this.bound = bound;
        this.database = database;
    }

    public void begin() {
        steps.incrementAndGet();
    }

    /** After the step, holding none of the engine's locks; {@code open}: whether it left the connection open. */
    public void end(boolean open) {
        steps.decrementAndGet();
        if (open) {
            bound.used(database);
        }
        bound.settle();
    }

    /** Whether a step uses the connection now: the bound must leave it. */
    public boolean any() {
        return steps.get() > 0;
    }
}
