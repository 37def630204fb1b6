package io.marmot.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Median with min and max of repeated runs, and percentiles of latency samples. */
final class Stats {
    private Stats() {
    }

    record Summary(double median, double min, double max) {
        String format(String unit) {
            return String.format("%s %s (%s–%s)", human(median), unit, human(min), human(max));
        }
    }

    static Summary of(List<Double> runs) {
        List<Double> sorted = new ArrayList<>(runs);
        Collections.sort(sorted);
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return new Summary(median, sorted.get(0), sorted.get(n - 1));
    }

    /** The p-th percentile (0..100) of samples, nearest rank. */
    static double percentile(long[] sortedSamples, double p) {
        if (sortedSamples.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sortedSamples.length);
        return sortedSamples[Math.max(0, Math.min(sortedSamples.length - 1, rank - 1))];
    }

    static String human(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (v >= 100_000) {
            return String.format("%,.0f", v);
        }
        if (v >= 100) {
            return String.format("%.0f", v);
        }
        if (v >= 10) {
            return String.format("%.1f", v);
        }
        return String.format("%.2f", v);
    }
}
