package io.marmot.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.schema.SqlTokens.Token;
import io.marmot.schema.SqlTokens.Type;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlTokensTest {
    private static Token t(String text, Type type) {
        return new Token(text, type);
    }

    @Test
    void piecesOfAStatement() {
        assertEquals(List.of(t("CREATE", Type.WORD), t("TABLE", Type.WORD), t("main", Type.WORD), t(".", Type.PUNCTUATION),
                t("t$1_x", Type.WORD), t("(", Type.PUNCTUATION), t("a", Type.WORD), t("DEFAULT", Type.WORD),
                t("1.5e3", Type.NUMBER), t(",", Type.PUNCTUATION), t("b", Type.WORD), t("DEFAULT", Type.WORD),
                t("it's", Type.STRING), t(")", Type.PUNCTUATION), t(";", Type.PUNCTUATION)),
                SqlTokens.all("CREATE TABLE main.t$1_x (a DEFAULT 1.5e3, b DEFAULT 'it''s');"));
    }

    @Test
    void quotedNamesOfEveryKindAreUnquoted() {
        assertEquals(List.of(t("a \"b\"", Type.QUOTED), t("c`d", Type.QUOTED), t("e f", Type.QUOTED), t("__marmot_x", Type.QUOTED)),
                SqlTokens.all("\"a \"\"b\"\"\" `c``d` [e f] \"__marmot_x\""));
        assertEquals(List.of(t("e", Type.QUOTED), t("]", Type.PUNCTUATION)), SqlTokens.all("[e]]"),
                "brackets double nothing");
    }

    @Test
    void blanksAndCommentsAreSkipped() {
        assertEquals(List.of(t("DROP", Type.WORD), t("TABLE", Type.WORD), t("t", Type.WORD)),
                SqlTokens.all("  -- a comment\n/* another\n one */DROP\tTABLE t /* unterminated"));
        assertEquals(List.of(), SqlTokens.all("-- only a comment"));
    }

    @Test
    void readsOnlyWhatIsAskedFor() {
        SqlTokens tokens = new SqlTokens("ALTER TABLE 'never closed");
        assertTrue(tokens.next().is("alter"), "keywords compare without case");
        assertTrue(tokens.next().is("TABLE"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, tokens::next);
        assertEquals("unterminated quote", e.getMessage());
    }

    @Test
    void aQuotedWordIsNoKeyword() {
        assertTrue(!new SqlTokens("\"TABLE\"").next().is("TABLE"));
        assertTrue(!new SqlTokens("'TABLE'").next().is("TABLE"));
        assertNull(new SqlTokens("").next());
    }

    @Test
    void schemaStatementsAreRecognisedThroughTheTokens() {
        assertEquals(Ddl.Kind.CREATE_TABLE, Ddl.recognise("/* x */ create table t (id)").kind());
        assertEquals(Ddl.Kind.OTHER, Ddl.recognise("CREATE UNIQUE INDEX i ON t (a)").kind());
        assertEquals(Ddl.Kind.OTHER, Ddl.recognise("drop view v").kind());
        assertEquals(new Ddl(Ddl.Kind.ALTER_TABLE, "my t"), Ddl.recognise("ALTER TABLE \"my t\" ADD COLUMN c"));
        assertNull(Ddl.recognise("CREATE TEMP TABLE t (a)"));
        assertNull(Ddl.recognise("INSERT INTO t VALUES ('CREATE TABLE')"));
        assertNull(Ddl.recognise("CREATE 'TABLE"), "an unterminated quote is SQLite's to report");
        assertNull(Ddl.recognise("  "));
    }
}
