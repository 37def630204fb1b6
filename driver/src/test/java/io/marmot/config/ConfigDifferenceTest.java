package io.marmot.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The error for two connections with different settings names what differs, and never a secret. */
class ConfigDifferenceTest {

    @Test
    void namesOnlyWhatDiffersAndMasksSecrets() throws Exception {
        MarmotConfig running = MarmotConfig.from(Map.of(ConfigKey.NATS_URL, "nats://ann:s3cret@127.0.0.1:4222",
                ConfigKey.NATS_PASSWORD, "first"));
        MarmotConfig asked = MarmotConfig.from(Map.of(ConfigKey.NATS_URL, "nats://ann:other@127.0.0.1:4222",
                ConfigKey.NATS_PASSWORD, "second", ConfigKey.PUBLISH, "false"));
        List<String> d = ConfigDifference.between(running, asked);
        assertEquals(List.of("nats.url: " + Secrets.maskUrl("nats://ann:s3cret@127.0.0.1:4222") + " → "
                + Secrets.maskUrl("nats://ann:other@127.0.0.1:4222"), "nats.password: <masked> → <masked>",
                "publish: true → false"), d);
        assertEquals(false, String.join(" ", d).contains("s3cret") || String.join(" ", d).contains("second"));
    }

    @Test
    void equalSettingsHaveNoDifference() {
        assertEquals(List.of(), ConfigDifference.between(MarmotConfig.defaults(), MarmotConfig.defaults()));
    }
}
