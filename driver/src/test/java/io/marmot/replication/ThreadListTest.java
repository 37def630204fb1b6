package io.marmot.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** docs/architecture.md's thread section names exactly the threads {@link MarmotRuntime#THREADS} lists. */
class ThreadListTest {
    @Test
    void theArchitectureDocNamesEveryThreadAndNoOther() throws Exception {
        Path doc = Path.of("..", "docs", "architecture.md");
        assertTrue(Files.exists(doc), "docs/architecture.md expected at " + doc.toAbsolutePath());
        String text = Files.readString(doc);
        int start = text.indexOf("\n## Threads\n");
        assertTrue(start >= 0, "docs/architecture.md has a '## Threads' section");
        int end = text.indexOf("\n## ", start + 1);
        String section = text.substring(start, end < 0 ? text.length() : end);

        Set<String> listed = MarmotRuntime.THREADS.stream().map(MarmotRuntime.ThreadKind::name)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> inTable = new TreeSet<>();
        Set<String> named = new TreeSet<>();
        Matcher m = Pattern.compile("`(marmot-[^`]*)`").matcher(section);
        while (m.find()) {
            named.add(m.group(1));
        }
        Matcher row = Pattern.compile("(?m)^\\| `(marmot-[^`]*)` \\|").matcher(section);
        while (row.find()) {
            inTable.add(row.group(1));
        }
        assertEquals(listed, inTable, "the thread table lists MarmotRuntime.THREADS, one row each");
        List<String> unknown = new ArrayList<>(named);
        unknown.removeAll(listed);
        assertEquals(List.of(), unknown, "thread names the section mentions that MarmotRuntime.THREADS does not list");
    }

    @Test
    void theSharedThreadsAreTheListedOnes() throws Exception {
        MarmotRuntime runtime = MarmotRuntime.get();
        runtime.publish().submit(() -> { }).get();
        runtime.apply().submit(() -> { }).get();
        runtime.listen().submit(() -> { }).get();
        runtime.timer().submit(() -> { }).get();
        runtime.schemaWatch().submit(() -> { }).get();
        runtime.fingerprints().submit(() -> { }).get();
        runtime.lockRenewals().submit(() -> { }).get();
        List<Pattern> kinds = MarmotRuntime.THREADS.stream()
                .map(k -> Pattern.compile(k.name().replaceAll("<[a-z]+>", "\\\\E[0-9]+\\\\Q").transform(p -> "\\Q" + p + "\\E")))
                .toList();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("marmot-")) {
                assertTrue(kinds.stream().anyMatch(p -> p.matcher(t.getName()).matches()),
                        t.getName() + " is a kind of thread MarmotRuntime.THREADS lists");
            }
        }
    }
}
