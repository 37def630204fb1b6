package io.marmot.replication;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the C heap's free memory back to the operating system when the process grew. Every engine connection costs
 * about 200 KiB of SQLite memory, and the engine closes its connections when a database goes quiet; glibc keeps what
 * they freed, so without a trim a JVM with a thousand databases stays at the RSS of the moment most were open (1.1 GiB
 * measured against 0.4 GiB trimmed). Once a {@link #PERIOD_SECONDS period} this reads the resident size and, when it
 * grew by {@link #GROWTH_BYTES} since the last trim, asks the JVM to trim its native heap (the {@code
 * System.trim_native_heap} diagnostic command, glibc's {@code malloc_trim}). Nothing when the process did not grow,
 * nothing where the JVM cannot trim (not Linux, not glibc, an older JDK), nothing when the JVM trims by itself
 * ({@code -XX:TrimNativeHeapInterval}) or when {@code -Dmarmot.trimNativeHeap=false}.
 */
final class NativeHeapTrim implements Runnable {
    /** Turns the trims off: {@code -Dmarmot.trimNativeHeap=false}. */
    static final String PROPERTY = "marmot.trimNativeHeap";
    static final long PERIOD_SECONDS = 30;
    /** Growth of the resident size since the last trim that calls for another (a trim walks the whole C heap). */
    static final long GROWTH_BYTES = 32L << 20;

    private static final Logger log = LoggerFactory.getLogger(NativeHeapTrim.class);
    private static final Path STATUS = Path.of("/proc/self/status");

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName command;
    /** Confined to the one thread that runs the trims. */
    private long residentAfterLastTrim;
    private boolean givenUp;
    private long trims;

    private NativeHeapTrim(ObjectName command, long resident) {
        this.command = command;
        this.residentAfterLastTrim = resident;
    }

    /** A trim to run every {@link #PERIOD_SECONDS}, or null where it would do nothing. */
    static NativeHeapTrim ifUseful() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true")) || jvmTrimsItself()) {
            return null;
        }
        long resident = resident();
        if (resident < 0) {
            return null;
        }
        try {
            ObjectName name = new ObjectName("com.sun.management:type=DiagnosticCommand");
            boolean known = false;
            for (var op : ManagementFactory.getPlatformMBeanServer().getMBeanInfo(name).getOperations()) {
                known |= op.getName().equals("systemTrimNativeHeap");
            }
            return known ? new NativeHeapTrim(name, resident) : null;
        } catch (JMException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public void run() {
        if (givenUp) {
            return;
        }
        long resident = resident();
        if (resident < 0 || resident - residentAfterLastTrim < GROWTH_BYTES) {
            residentAfterLastTrim = Math.min(residentAfterLastTrim, Math.max(resident, 0));
            return;
        }
        long started = System.nanoTime();
        try {
            Object said = server.invoke(command, "systemTrimNativeHeap", null, null);
            trims++;
            if (String.valueOf(said).toLowerCase(java.util.Locale.ROOT).contains("not available")) {
                givenUp = true; // a libc without malloc_trim: no use asking again
            }
            residentAfterLastTrim = Math.max(0, resident());
            log.debug("trimmed the native heap in {} ms: resident {} MiB -> {} MiB ({})",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), resident >> 20,
                    residentAfterLastTrim >> 20, said);
        } catch (JMException | RuntimeException e) {
            givenUp = true;
            log.debug("the native heap cannot be trimmed here: {}", e.toString());
        }
    }

    long trims() {
        return trims;
    }

    /** The resident size in bytes, or -1 where /proc does not tell. */
    static long resident() {
        try {
            for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").trim()) << 10;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private static boolean jvmTrimsItself() {
        try {
            var hotspot = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            String interval = hotspot.getVMOption("TrimNativeHeapInterval").getValue();
            return !interval.equals("0");
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return false; // a JDK without the option
        }
    }
}
