package io.marmot.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes docs/benchmarks.md whole: this run's head and sections, and every numbered section of the existing file
 * that this run did not produce (the soak, sections left out by {@code --only}, the doc-only ones) kept as it was,
 * marked with the run it came from. Sections are ordered by number; nothing else of the old file survives, so no
 * hand-written text can drift away from the figures (before/after histories live in docs/benchmark-history.md).
 */
final class ReportFile {
    static final String KEPT = "*Kept from an earlier run (not part of this one): ";
    private static final Pattern TITLE = Pattern.compile("(?m)^## (\\d+)\\. ");
    /** The file's last line; the last section of an old file must not carry it into the new one. */
    static final String FOOTER = "Before/after measurements of earlier changes, with their own dates: ";
    private static final Pattern PRODUCED = Pattern.compile("Produced by (`[^`]*`) on (\\d{4}-\\d{2}-\\d{2})");

    private ReportFile() {
    }

    /** The new file: {@code fresh} (a head, then sections) merged with the sections of {@code out} it lacks. */
    static String merged(Path out, String fresh, String runLine) throws IOException {
        String old = Files.exists(out) ? Files.readString(out) : "";
        Map<Integer, String> sections = sections(old);
        String origin = origin(old);
        for (Map.Entry<Integer, String> e : sections.entrySet()) {
            e.setValue(marked(e.getValue(), origin));
        }
        Map<Integer, String> now = sections(fresh);
        sections.putAll(now);
        StringBuilder b = new StringBuilder(head(fresh)).append(runLine).append("\n\n");
        for (String s : sections.values()) {
            b.append(s.endsWith("\n\n") ? s : s.endsWith("\n") ? s + "\n" : s + "\n\n");
        }
        b.append(FOOTER).append("[benchmark-history.md](benchmark-history.md).\n");
        return b.toString();
    }

    /** Everything before the first numbered section. */
    private static String head(String text) {
        Matcher m = TITLE.matcher(text);
        return m.find() ? text.substring(0, m.start()) : text;
    }

    /** Numbered sections, each up to the next {@code ## } heading (a "## Notes" or the like ends the last one). */
    static Map<Integer, String> sections(String text) {
        Map<Integer, String> out = new TreeMap<>();
        Matcher m = TITLE.matcher(text);
        while (m.find()) {
            int next = text.indexOf("\n## ", m.start() + 3);
            String section = text.substring(m.start(), next < 0 ? text.length() : next + 1);
            int footer = section.indexOf("\n" + FOOTER);
            out.put(Integer.parseInt(m.group(1)), footer < 0 ? section : section.substring(0, footer + 1));
        }
        return out;
    }

    /** How and when the existing file's head says it was produced. */
    private static String origin(String old) {
        Matcher m = PRODUCED.matcher(old);
        return !m.find() ? "an earlier run"
                : m.group(2) + " by " + m.group(1) + (old.contains("(quick mode") ? " in quick mode" : "");
    }

    /** A kept section says where it came from, once (the mark of an older keeping stays). */
    private static String marked(String section, String origin) {
        if (section.contains(KEPT)) {
            return section;
        }
        int eol = section.indexOf('\n');
        return section.substring(0, eol + 1) + "\n" + KEPT + origin + ".*\n" + section.substring(eol + 1);
    }
}
