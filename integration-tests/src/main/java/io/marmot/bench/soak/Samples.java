package io.marmot.bench.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The nodes' per-second samples ({@link SoakSampler}) judged against the faults: moments a node said ready while it
 * lacked a row another node had committed more than 10 s earlier (not in its first 10 s after a start, and not when
 * the row's writer was itself down around then: its row could not have left it), and moments it said not ready with
 * nothing lacking, no fault on and none ended within 30 s (false alarms).
 */
final class Samples {
    static final long FALSE_ALARM_AFTER_MILLIS = 30_000;
    private static final int EXAMPLES = 5;

    /**
     * How many such moments, examples of them, and each problem text (numbers as N) with its count; {@code
     * writerNotReady}: of the moments, those where the lacking row's writer itself said not ready meanwhile.
     */
    record Finding(int moments, int writerNotReady, List<String> examples, Map<String, Integer> texts) {
        String describe() {
            StringBuilder s = new StringBuilder();
            if (writerNotReady > 0) {
                s.append("\n      ").append(writerNotReady).append(" of the ").append(moments)
                        .append(" while the lacking row's writer itself said not ready after committing it");
            }
            texts.forEach((text, n) -> s.append("\n      ").append(n).append("× ").append(text.isEmpty() ? "(no problem reported)" : text));
            examples.forEach(e -> s.append("\n      e.g. ").append(e));
            return s.toString();
        }
    }

    final Finding readyBehind;
    final Finding falseAlarms;
    final int samples;

    private Samples(Finding readyBehind, Finding falseAlarms, int samples) {
        this.readyBehind = readyBehind;
        this.falseAlarms = falseAlarms;
        this.samples = samples;
    }

    /** Judges the samples taken from {@code from} on (the start of the run: nodes starting up are no fault). */
    static Samples judge(Path dir, List<Fault> faults, long from) throws IOException {
        int count = 0;
        List<String> behindExamples = new ArrayList<>();
        List<String> alarmExamples = new ArrayList<>();
        Map<String, Integer> behindTexts = new TreeMap<>();
        Map<String, Integer> alarmTexts = new TreeMap<>();
        int behind = 0;
        int behindWriterNotReady = 0;
        int alarms = 0;
        List<TreeMap<Long, Boolean>> readiness = new ArrayList<>();
        List<List<String>> lines = new ArrayList<>();
        for (int node = 1; node <= Soak.NODES; node++) {
            Path file = dir.resolve("samples-" + node + ".log");
            lines.add(Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of());
            TreeMap<Long, Boolean> ready = new TreeMap<>();
            for (String line : lines.get(node - 1)) {
                String[] w = line.split(" ", 4);
                if (w.length == 4 && line.contains(" | ")) {
                    ready.put(Long.parseLong(w[0]), w[2].equals("1"));
                }
            }
            readiness.add(ready);
        }
        for (int node = 1; node <= Soak.NODES; node++) {
            for (String line : lines.get(node - 1)) {
                int bar = line.indexOf(" | ");
                if (bar < 0) {
                    continue; // cut by a kill -9
                }
                String[] w = line.substring(0, bar).split(" ");
                String problems = line.substring(bar + 3);
                long t = Long.parseLong(w[0]);
                long up = Long.parseLong(w[1]);
                boolean ready = w[2].equals("1");
                if (t < from) {
                    continue;
                }
                count++;
                long lacking = 0;
                String lack = "";
                boolean writerNotReady = false;
                for (int i = 3; i < w.length; i++) {
                    String[] l = w[i].split(":");
                    int writer = Integer.parseInt(l[0]);
                    long n = Long.parseLong(l[1]);
                    long oldestAt = Long.parseLong(l[3]);
                    lacking += n;
                    if (n > 0 && !writerWasDown(faults, writer, oldestAt, t)) {
                        writerNotReady |= readiness.get(writer - 1).subMap(oldestAt, t).containsValue(false);
                        lack += String.format(" %d row(s) of node %d (oldest %s, committed %.0f s earlier)", n, writer, l[2],
                                (t - oldestAt) / 1000.0);
                    }
                }
                final int self = node;
                String own = faults.stream().filter(f -> f.onNode(self) && f.covers(t, SoakSampler.GRACE_MILLIS))
                        .map(f -> " [within 10 s of its own " + f.kind() + "]").findFirst().orElse("");
                String at = String.format("node %d at %s (up %.0f s)%s:", node, java.time.Instant.ofEpochMilli(t), up / 1000.0,
                        own);
                if (ready && up >= SoakSampler.GRACE_MILLIS && !lack.isEmpty()) {
                    behind++;
                    behindWriterNotReady += writerNotReady ? 1 : 0;
                    if (behindExamples.size() < EXAMPLES) {
                        behindExamples.add(at + " ready, lacking" + lack);
                    }
                    behindTexts.merge(normalized(problems), 1, Integer::sum);
                }
                if (!ready && lacking == 0 && faults.stream().noneMatch(f -> f.covers(t, FALSE_ALARM_AFTER_MILLIS))
                        && t > from + FALSE_ALARM_AFTER_MILLIS) {
                    alarms++;
                    if (alarmExamples.size() < EXAMPLES) {
                        alarmExamples.add(at + " " + problems);
                    }
                    alarmTexts.merge(normalized(problems), 1, Integer::sum);
                }
            }
        }
        return new Samples(new Finding(behind, behindWriterNotReady, behindExamples, behindTexts),
                new Finding(alarms, 0, alarmExamples, alarmTexts), count);
    }

    /** The writer was down (killed, frozen, restarting) after committing: its row had not left it, or just had. */
    private static boolean writerWasDown(List<Fault> faults, int writer, long committedAt, long t) {
        return faults.stream().anyMatch(f -> f.onNode(writer) && f.start() <= t && f.end() + SoakSampler.GRACE_MILLIS >= t
                && f.start() <= committedAt + SoakSampler.GRACE_MILLIS);
    }

    private static String normalized(String problems) {
        return problems.replaceAll("\\d+", "N");
    }
}
