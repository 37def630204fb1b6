package io.marmot.sidecar;

import io.marmot.testing.Sqlite3;
import java.io.IOException;
import java.nio.file.Path;

/** The table the sidecar tests replicate, as the sqlite3 shell creates and reads it. */
final class Books {
    static final String SCHEMA = "CREATE TABLE IF NOT EXISTS Books (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL,"
            + " author TEXT NOT NULL, publication_year INTEGER NOT NULL)";

    private Books() {
    }

    /** Every book, one {@code id|title|author|year} line each, in id order, read by the sqlite3 shell. */
    static String in(Path db) throws IOException, InterruptedException {
        return Sqlite3.query(db, "SELECT id, title, author, publication_year FROM Books ORDER BY id");
    }
}
