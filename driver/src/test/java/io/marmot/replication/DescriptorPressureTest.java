package io.marmot.replication;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Engines are told to close idle connections at once while the process holds half of its descriptors, not before,
 * and a database about to be opened waits while three quarters are held.
 */
class DescriptorPressureTest {
    @TempDir
    Path dir;

    @Test
    void highFromHalfTheLimitLowAgainBelowFortyPercentOpeningWaitsAboveThreeQuarters() throws Exception {
        UnixOperatingSystemMXBean os = (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long max = os.getMaxFileDescriptorCount();
        DescriptorPressure pressure = new DescriptorPressure();
        pressure.run();
        assertFalse(pressure.high(), os.getOpenFileDescriptorCount() + " of " + max + " open: no pressure yet");

        Path file = Files.createFile(dir.resolve("held"));
        List<FileChannel> held = new ArrayList<>();
        try {
            long open = os.getOpenFileDescriptorCount();
            for (long i = open; i < max * DescriptorPressure.HIGH_PERCENT / 100 + 50; i++) {
                held.add(FileChannel.open(file));
            }
            pressure.run();
            assertTrue(pressure.high(), os.getOpenFileDescriptorCount() + " of " + max + " open");
            assertTrue(pressure.awaitRoom(Duration.ZERO), "room to open a database below " + DescriptorPressure.FULL_PERCENT + " %");

            for (long i = os.getOpenFileDescriptorCount(); i < max * DescriptorPressure.FULL_PERCENT / 100 + 50; i++) {
                held.add(FileChannel.open(file));
            }
            pressure.run();
            long waited = System.nanoTime();
            assertFalse(pressure.awaitRoom(Duration.ofMillis(300)), "no room at " + os.getOpenFileDescriptorCount());
            assertTrue(System.nanoTime() - waited >= TimeUnit.MILLISECONDS.toNanos(300), "waited for room");
            long between = max * (DescriptorPressure.HIGH_PERCENT + DescriptorPressure.LOW_PERCENT) / 200;
            for (long i = os.getOpenFileDescriptorCount(); i > between; i--) {
                held.remove(held.size() - 1).close();
            }
            pressure.run();
            assertTrue(pressure.high(), "still high between the two thresholds: no flapping");
            assertTrue(pressure.awaitRoom(Duration.ofSeconds(5)), "room again");
        } finally {
            for (FileChannel c : held) {
                c.close();
            }
        }
        pressure.run();
        assertFalse(pressure.high(), os.getOpenFileDescriptorCount() + " of " + max + " open again");
    }
}
