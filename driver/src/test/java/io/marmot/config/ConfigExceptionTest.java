package io.marmot.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.DriverManager;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Configuration errors carry the parameter and value, so callers never parse the message. */
class ConfigExceptionTest {
    @Test
    void anInvalidValueNamesItsKeyValueAndWhatIsAccepted() {
        ConfigException e = assertThrows(ConfigException.class, () -> MarmotConfig.from(Map.of(ConfigKey.LOG_REPLICAS, "9")));
        assertEquals("log-replicas", e.key());
        assertEquals("9", e.value());
        assertEquals("an integer from 1 to 5", e.expected());
        assertEquals(ConfigException.INVALID, e.getSQLState());
    }

    @Test
    void aMisspeltParameterThroughTheDriverIsAConfigException() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> DriverManager.getConnection("jdbc:marmot:sqlite:/tmp/never-created.db?node_id=3"));
        assertEquals("node_id", e.key());
        assertTrue(e.getMessage().contains("Did you mean 'node-id'?"), e.getMessage());
    }
}
