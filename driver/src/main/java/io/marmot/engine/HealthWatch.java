package io.marmot.engine;

import io.marmot.listen.ChangeListeners;
import java.util.function.Supplier;

/**
 * Tells change listeners when {@link MarmotEngine#health()} turns ready or not ready: looks every second while any
 * listener is registered (nothing otherwise), so an application hears what it would otherwise poll for.
 */
final class HealthWatch {
    static final long EVERY_MILLIS = 1000;

    private final ChangeListeners listeners;
    private final Supplier<Health> health;
    /** What the listeners last heard; null: nothing yet, which they take for ready. */
    private Health last;

    HealthWatch(ChangeListeners listeners, Supplier<Health> health) {
        this.listeners = listeners;
        this.health = health;
    }

    /** One look, on the thread of the JVM's sweep of local looks ({@link DatabaseLook}); nothing there may wait. */
    synchronized void look() {
        if (!listeners.active()) {
            last = null; // a listener registered later starts from the state at its time
            return;
        }
        Health now = health.get();
        if (last == null ? !now.ready() : now.ready() != last.ready()) { // a new listener takes the node as ready
            listeners.nodeEvent(l -> l.onHealthChanged(now.ready(), now.problems()));
        }
        last = now;
    }
}
