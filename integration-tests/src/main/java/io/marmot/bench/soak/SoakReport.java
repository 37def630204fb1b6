package io.marmot.bench.soak;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** The soak's figures as a Markdown table, with the problem texts behind the health figures. */
public final class SoakReport {
    private SoakReport() {
    }

    public static void write(Soak.Result r, Consumer<String> line) {
        Map<String, Integer> kinds = new TreeMap<>();
        for (Fault f : r.faults()) {
            kinds.merge(f.kind() + (f.target().startsWith("node") ? " (node)" : " (server)"), 1, Integer::sum);
        }
        line.accept("| figure | value |");
        line.accept("|---|---|");
        line.accept(String.format("| seed, faults for | %d, %d s (then the writers stop) |", r.options().seed(),
                r.options().faultSeconds()));
        line.accept("| faults caused | " + r.faults().size() + " (" + String.join(", ", kinds.entrySet().stream()
                .map(e -> e.getValue() + "× " + e.getKey()).toList()) + ") |");
        line.accept(String.format("| transactions committed (all nodes, logged after commit returned) | %,d |",
                r.state().transactions()));
        line.accept(String.format("| rows inserted, lost (logged, not deleted, missing on a node) | %,d, %d |",
                r.state().keys(), r.lost()));
        line.accept(String.format("| deleted rows back on a node | %d |", r.resurrected()));
        line.accept("| all nodes' tables equal (full content) | " + (r.equal() ? "yes" : "NO") + " |");
        line.accept(String.format("| converged after the last fault / after the writers stopped | %s / %s |",
                seconds(r.convergedAfterFault()), seconds(r.convergedAfterStop())));
        line.accept(String.format("| health samples (one a second per node) | %,d |", r.samples().samples));
        line.accept(String.format("| moments ready while lacking a row committed > 10 s earlier | %d |", r.readyWhileBehind()));
        line.accept(String.format("| moments not ready without cause (false alarms) | %d |", r.falseAlarms()));
        if (!r.diskNote().isEmpty()) {
            line.accept("| full-disk fault | skipped: " + r.diskNote() + " |");
        }
        line.accept("");
        details("Ready while behind", r.samples().readyBehind, line);
        details("False alarms", r.samples().falseAlarms, line);
        List<String> state = r.state().details();
        if (!state.isEmpty()) {
            line.accept("Final state: " + String.join("; ", state));
            line.accept("");
        }
    }

    private static void details(String title, Samples.Finding f, Consumer<String> line) {
        if (f.moments() == 0) {
            return;
        }
        line.accept(title + " (problem texts, numbers as N; examples):");
        line.accept("");
        line.accept("```");
        for (String l : f.describe().split("\n")) {
            if (!l.isBlank()) {
                line.accept(l.strip());
            }
        }
        line.accept("```");
        line.accept("");
    }

    private static String seconds(double s) {
        return Double.isNaN(s) ? "never (within the wait)" : String.format("%.1f s", s);
    }
}
