package io.marmot.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/** Unix signals Java cannot send itself (SIGSTOP, SIGCONT), through kill(1). */
public final class Signals {
    private Signals() {
    }

    /** Sends {@code SIG<name>} (for example {@code "STOP"}, {@code "CONT"}) to {@code pid}. */
    public static void send(String name, long pid) throws InterruptedException {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                kill.destroyForcibly();
                throw new IllegalStateException("kill -" + name + " " + pid + " failed: "
                        + new String(kill.getInputStream().readAllBytes()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + name + " " + pid, e);
        }
    }
}
