package io.marmot.bench.soak;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A node's own small disk: a tmpfs the soak mounts (as root) under the node's directory, and fills with a filler file
 * to make the node's disk full. {@link #mount} says why not where it cannot mount; the soak skips that fault then.
 */
final class SmallDisk {
    private final Path dir;
    private final Path filler;

    private SmallDisk(Path dir) {
        this.dir = dir;
        this.filler = dir.resolve("filler");
    }

    /** Mounts a tmpfs of {@code megabytes} on {@code dir}; null (and why, on {@code why}) when that is not permitted. */
    static SmallDisk mount(Path dir, int megabytes, StringBuilder why) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String out = run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString());
        if (out != null) {
            why.append("cannot mount a tmpfs (").append(out.trim()).append("): the full-disk fault is skipped");
            return null;
        }
        return new SmallDisk(dir);
    }

    /** Takes all the free space (bounded: at most 4 GiB written). */
    void fill() throws IOException {
        byte[] block = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (int i = 0; i < 65_536; i++) {
                out.write(block);
            }
        } catch (IOException full) {
            return; // no space left: what we wanted
        }
        throw new IOException("the small disk " + dir + " never filled up");
    }

    void free() throws IOException {
        Files.deleteIfExists(filler);
    }

    void unmount() throws IOException, InterruptedException {
        run("umount", "-l", dir.toString());
    }

    /** Runs a command; null when it succeeded, else what it printed. */
    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out";
        }
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    }
}
