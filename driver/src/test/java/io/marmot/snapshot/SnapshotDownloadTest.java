package io.marmot.snapshot;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The Object Store's digest stands for the manifest's SHA-256 only when it is the same hash. */
class SnapshotDownloadTest {
    @Test
    void anObjectDigestMatchesTheManifestOnlyWhenItIsTheSameSha256() throws Exception {
        byte[] sha = MessageDigest.getInstance("SHA-256").digest("snapshot".getBytes(StandardCharsets.UTF_8));
        String hex = HexFormat.of().formatHex(sha);
        String padded = "SHA-256=" + Base64.getUrlEncoder().encodeToString(sha);
        String unpadded = "SHA-256=" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha);
        assertTrue(SnapshotDownload.sameSha256(padded, hex));
        assertTrue(SnapshotDownload.sameSha256(unpadded, hex.toUpperCase()));

        byte[] other = sha.clone();
        other[0] ^= 1;
        assertFalse(SnapshotDownload.sameSha256("SHA-256=" + Base64.getUrlEncoder().encodeToString(other), hex));
        assertFalse(SnapshotDownload.sameSha256(null, hex), "an object without a digest");
        assertFalse(SnapshotDownload.sameSha256("MD5=" + Base64.getUrlEncoder().encodeToString(sha), hex));
        assertFalse(SnapshotDownload.sameSha256("SHA-256=not base64!", hex));
    }
}
