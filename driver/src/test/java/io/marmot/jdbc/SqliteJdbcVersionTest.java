package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SqliteJdbcVersionTest {
    @Test
    void anOlderSqliteJdbcIsNamedWithTheVersionToTake() {
        String w = SqliteJdbcVersion.warning("3.49.1.0", "3.54.1.0").orElseThrow();
        assertTrue(w.contains("sqlite-jdbc 3.49.1.0 is on the class path"), w);
        assertTrue(w.contains("<sqlite-jdbc.version>3.54.1.0</sqlite-jdbc.version>"), w);
    }

    @Test
    void theSameOrANewerVersionOrAnUnknownOneSaysNothing() {
        assertTrue(SqliteJdbcVersion.warning("3.54.1.0", "3.54.1.0").isEmpty());
        assertTrue(SqliteJdbcVersion.warning("3.55.0.0", "3.54.1.0").isEmpty());
        assertTrue(SqliteJdbcVersion.warning("3.54.1.1-SNAPSHOT", "3.54.1.0").isEmpty());
        assertTrue(SqliteJdbcVersion.warning(null, "3.54.1.0").isEmpty());
        assertTrue(SqliteJdbcVersion.warning("3.49.1.0", "").isEmpty());
    }

    @Test
    void versionsCompareNumberByNumberNotAsText() {
        assertTrue(SqliteJdbcVersion.compare("3.9.0.0", "3.10.0.0") < 0);
        assertTrue(SqliteJdbcVersion.compare("3.54.1", "3.54.1.0") == 0);
        assertTrue(SqliteJdbcVersion.compare("3.54.1.0", "3.46.1.3") > 0);
    }

    @Test
    void theBuiltVersionIsTheOneThisBuildCompiledAgainst() {
        assertEquals(org.sqlite.SQLiteJDBCLoader.getVersion(), SqliteJdbcVersion.built());
    }
}
