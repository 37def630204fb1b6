package io.marmot.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the nats-server binary for the embedded default, and saying how to get it when it is missing. */
class EmbeddedNatsBinaryTest {
    @TempDir
    Path dir;

    @Test
    void missingBinaryErrorSaysHowToInstallIt() {
        IOException e = assertThrows(IOException.class, () -> EmbeddedNats.findBinary("", List.of(dir)));
        assertTrue(e.getMessage().contains("apt-get install -y nats-server"), e.getMessage());
        assertTrue(e.getMessage().contains("nats-url"), e.getMessage());
    }

    @Test
    void searchesTheGivenDirectoriesInOrder() throws IOException {
        Path bin = dir.resolve("bin");
        Files.createDirectories(bin);
        Path exe = Files.createFile(bin.resolve("nats-server"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        assertEquals(exe, EmbeddedNats.findBinary("", List.of(dir, bin)));
    }

    @Test
    void aConfiguredPathThatIsNotExecutableIsRefused() {
        IOException e = assertThrows(IOException.class, () -> EmbeddedNats.findBinary(dir.resolve("nope").toString(), List.of()));
        assertTrue(e.getMessage().contains("nats-server-path"), e.getMessage());
    }
}
