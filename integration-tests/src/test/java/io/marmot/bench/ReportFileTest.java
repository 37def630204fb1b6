package io.marmot.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/benchmarks.md is rewritten whole: this run's sections, the old sections it did not run (marked), no more. */
class ReportFileTest {
    @TempDir
    Path dir;

    @Test
    void keepsSectionsNotRunMarkedAndDropsHandWrittenNotes() throws Exception {
        Path out = dir.resolve("benchmarks.md");
        Files.writeString(out, """
                # Benchmarks

                Produced by `bash bench/run.sh --only 11` on 2026-11-22.

                ## 1. Old local writes

                old figures 1

                ## 11. Nemesis soak

                soak figures

                ## 13. Embedded cluster

                *Kept from an earlier run (not part of this one): 2026-12-06 by `EmbeddedClusterTest#measure`.*

                cluster figures

                ## Notes

                a hand-written target table that no longer matches
                """);
        String fresh = "# Benchmarks\n\nProduced by `bash bench/run.sh --only 1,3` on 2026-12-06.\n\n"
                + "## 3. Replication\n\nnew figures 3\n\n## 1. Local writes\n\nnew figures 1\n";

        String merged = ReportFile.merged(out, fresh, "This run: 5 s.");

        assertTrue(merged.startsWith("# Benchmarks\n\nProduced by `bash bench/run.sh --only 1,3` on 2026-12-06.\n\n"
                + "This run: 5 s.\n\n## 1. Local writes\n\nnew figures 1\n\n## 3. Replication\n\nnew figures 3\n\n"
                + "## 11. Nemesis soak\n\n" + ReportFile.KEPT + "2026-11-22 by `bash bench/run.sh --only 11`.*\n\n"
                + "soak figures\n\n## 13. Embedded cluster\n\n"), merged);
        assertFalse(merged.contains("old figures 1"), merged);
        assertFalse(merged.contains("hand-written target table"), merged);
        assertEquals(2, merged.split("Kept from an earlier run", -1).length - 1, merged); // 11's new, 13's kept once
        assertTrue(merged.contains("2026-12-06 by `EmbeddedClusterTest#measure`.*\n\ncluster figures\n"), merged);
    }

    @Test
    void theFooterAfterTheLastSectionStaysOnce() throws Exception {
        Path out = dir.resolve("benchmarks.md");
        Files.writeString(out, "# Benchmarks\n\nProduced by `bash bench/run.sh` on 2026-12-05.\n\n## 13. Embedded cluster\n\n"
                + "cluster figures\n\n" + ReportFile.FOOTER + "[benchmark-history.md](benchmark-history.md).\n");
        String fresh = "# Benchmarks\n\nProduced by `bash bench/run.sh --only 1` on 2026-12-06.\n\n## 1. Local writes\n\nnew\n";

        String merged = ReportFile.merged(out, ReportFile.merged(out, fresh, "This run: 5 s."), "This run: 5 s.");

        assertEquals(1, merged.split(ReportFile.FOOTER, -1).length - 1, merged);
        assertTrue(merged.endsWith("cluster figures\n\n" + ReportFile.FOOTER + "[benchmark-history.md](benchmark-history.md).\n"),
                merged);
    }
}
