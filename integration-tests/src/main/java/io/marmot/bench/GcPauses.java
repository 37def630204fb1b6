package io.marmot.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * This JVM's stop-the-world garbage collections while it is open, as wall-clock intervals (epoch microseconds): a
 * slice of the engine's that a pause falls into holds the write lock for the pause's length as well.
 */
final class GcPauses implements NotificationListener, AutoCloseable {
    private final long jvmStartMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
    private final List<long[]> pauses = new ArrayList<>();

    GcPauses() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(this, null, null);
            }
        }
    }

    @Override
    public void handleNotification(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        if (info.getGcAction().contains("concurrent")) {
            return; // G1's concurrent cycle runs beside the application
        }
        long start = (jvmStartMillis + info.getGcInfo().getStartTime()) * 1000;
        long end = (jvmStartMillis + info.getGcInfo().getEndTime()) * 1000;
        synchronized (pauses) {
            pauses.add(new long[] {start, end});
        }
    }

    /** The longest pause between {@code from} and {@code to} (epoch microseconds), in microseconds. */
    long longest(long from, long to) {
        long max = 0;
        synchronized (pauses) {
            for (long[] p : pauses) {
                if (p[1] >= from && p[0] < to) {
                    max = Math.max(max, p[1] - p[0]);
                }
            }
        }
        return max;
    }

    /** How long pauses took within the interval (epoch microseconds), in microseconds. */
    long pausedWithin(long from, long to) {
        long sum = 0;
        synchronized (pauses) {
            for (long[] p : pauses) {
                sum += Math.max(0, Math.min(to, p[1]) - Math.max(from, p[0]));
            }
        }
        return sum;
    }

    @Override
    public void close() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                try {
                    e.removeNotificationListener(this);
                } catch (ListenerNotFoundException ignored) {
                    // not added to this one
                }
            }
        }
    }
}
