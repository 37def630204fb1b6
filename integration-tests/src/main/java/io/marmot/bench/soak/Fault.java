package io.marmot.bench.soak;

/**
 * One fault the nemesis caused: what, on which node (1–3) or server ({@code n1}–{@code n3}), from when until the
 * target was back (epoch millis; {@code end} is when a restarted node printed ready or a server accepted clients).
 */
record Fault(String kind, String target, long start, long end) {
    /** Whether the fault was on at {@code millis} or ended less than {@code afterMillis} before it. */
    boolean covers(long millis, long afterMillis) {
        return start <= millis && millis <= end + afterMillis;
    }

    boolean onNode(int node) {
        return target.equals("node " + node);
    }

    @Override
    public String toString() {
        return String.format("%s of %s for %.1f s", kind, target, (end - start) / 1000.0);
    }
}
