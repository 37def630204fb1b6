package io.marmot.bench.soak;

import io.marmot.testing.Signals;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One start of a {@link SoakNode} JVM, possibly under faketime: kill it with SIGKILL, freeze it with SIGSTOP, ask it
 * to stop writing. Signals go to the JVM itself (faketime forks it as a child), by its PID.
 */
final class SoakProcess {
    private final Process process;
    private final long jvmPid;
    private final PrintWriter commands;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    SoakProcess(List<String> prefix, List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS", "-cp", System.getProperty("java.class.path"),
                SoakNode.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("FAKETIME_DONT_FAKE_MONOTONIC", "1"); // the JVM's timers need a true monotonic clock
        process = pb.start();
        jvmPid = prefix.isEmpty() ? process.pid() : childPid(process);
        commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process is gone: whoever waits for a line times out
            }
        }, "soak-node-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    private static long childPid(Process wrapper) throws IOException {
        for (int i = 0; i < 100; i++) {
            var child = wrapper.toHandle().children().findFirst();
            if (child.isPresent()) {
                return child.get().pid();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        wrapper.destroyForcibly();
        throw new IOException("faketime started no JVM within 5 s");
    }

    long pid() {
        return jvmPid;
    }

    boolean isAlive() {
        return ProcessHandle.of(jvmPid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Waits for a line starting with {@code prefix}; null when none came in time or the JVM died. */
    String await(String prefix, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line;
            }
            if (line == null && !process.isAlive()) {
                return null;
            }
        }
        return null;
    }

    void send(String command) {
        commands.println(command);
    }

    void signal(String name) throws InterruptedException {
        Signals.send(name, jvmPid);
    }

    /** SIGKILL of the JVM, as a crash; then waits for the wrapper (if any) to exit too. */
    void kill() throws InterruptedException {
        ProcessHandle.of(jvmPid).ifPresent(ProcessHandle::destroyForcibly);
        waitGone(10);
    }

    /** Asks the node to quit (closing its engine); SIGCONT and SIGKILL when it has not exited within 15 s. */
    void quit() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        signal("CONT"); // a node left frozen would never read the command
        send("quit");
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            kill();
        }
    }

    private void waitGone(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(seconds, TimeUnit.SECONDS);
        }
    }
}
