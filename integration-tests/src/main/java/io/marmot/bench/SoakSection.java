package io.marmot.bench;

import io.marmot.bench.soak.Soak;
import io.marmot.bench.soak.SoakReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Section 11, the nemesis soak ({@code --only soak}, {@code --soak-minutes N} (15), {@code --soak-seed N}). Run on
 * its own, its section replaces the one in the existing report and leaves the other sections as they were.
 */
final class SoakSection {
    static final String TITLE = "## 11. Nemesis soak";

    private SoakSection() {
    }

    /** Runs the soak alone and puts its section into the report at {@code out}. */
    static void alone(String[] args, Path out) throws Exception {
        StringBuilder section = new StringBuilder();
        report(args, l -> {
            System.out.println(l);
            section.append(l).append('\n');
        });
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, spliced(out, section.toString()));
        System.out.println("\nwritten to " + out);
    }

    static void report(String[] args, Consumer<String> line) throws Exception {
        long minutes = Long.parseLong(option(args, "--soak-minutes", "15"));
        long seed = Long.parseLong(option(args, "--soak-seed", Long.toString(System.currentTimeMillis() % 100_000)));
        Path dir = Files.createTempDirectory("marmot-soak");
        Soak.Result r = Soak.run(new Soak.Options(dir, seed, minutes * 60, 300, 10, ""), s -> System.out.println(s));
        line.accept(TITLE);
        line.accept("");
        line.accept("Run on " + java.time.LocalDate.now() + " (`--only soak --soak-minutes " + minutes + " --soak-seed " + seed
                + "`).");
        line.accept("");
        line.accept(String.format("Three nats-servers in one JetStream cluster (streams R3), three node JVMs writing through the"
                + " driver (inserts of node-unique keys, updates of %d shared keys, 3-row transactions, deletes of own older"
                + " keys; a 10 ms pause after each), each key logged after its commit returned. For %d minutes a nemesis"
                + " causes a fault every 10–30 s on each of two lanes (nodes: `kill -9` and restart after 0–10 s, SIGSTOP"
                + " 5–40 s, restart with the clock ±2 s off for 20–30 s, full disk 20 s; servers: `kill -9`, SIGSTOP, store"
                + " wiped while down), so at most one node and one server are down at once. Then the writers stop. Health"
                + " is sampled every second on every node, next to the rows it lacks.", 20, minutes));
        line.accept("");
        SoakReport.write(r, line);
        if (r.state().clean() && r.readyWhileBehind() == 0 && r.falseAlarms() == 0) {
            Benchmark.deleteTree(dir);
        } else { // the nodes' logs and samples tell what happened
            line.accept("Files kept in " + dir + ".");
            line.accept("");
        }
    }

    /** The existing report with this section put in place of its old one (before the notes when it had none). */
    static String spliced(Path out, String section) throws IOException {
        String old = Files.exists(out) ? Files.readString(out) : "";
        int at = old.indexOf(TITLE);
        if (at >= 0) {
            int next = old.indexOf("\n## ", at + TITLE.length());
            return old.substring(0, at) + section + (next < 0 ? "" : old.substring(next + 1));
        }
        int notes = old.indexOf("\n## Notes");
        return notes < 0 ? old + "\n" + section : old.substring(0, notes + 1) + section + old.substring(notes + 1);
    }

    static String option(String[] args, String name, String fallback) {
        List<String> list = new ArrayList<>(List.of(args));
        int i = list.indexOf(name);
        return i >= 0 && i + 1 < list.size() ? list.get(i + 1) : fallback;
    }
}
