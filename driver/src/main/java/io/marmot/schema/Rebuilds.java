package io.marmot.schema;

import static io.marmot.schema.Identifiers.quote;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Table rebuilds: the way SQLite documents altering a table (create {@code t_new}, copy, drop {@code t}, rename
 * {@code t_new} to {@code t}), and Liquibase's variant (rename {@code t} to {@code t_temporary}, create {@code t}, copy,
 * drop {@code t_temporary}). Each step is recorded as it runs, so the drop is one statement among the others; but it
 * destroys nothing the cluster keeps — the rows moved to the table that takes the old one's name — so a peer must
 * apply it whatever {@code replicate-drops} says, or it keeps the old table (and the new one under its temporary name)
 * for ever. The recording node knows: when the drop and the rename that completes the rebuild are both still unsent,
 * the drop is marked, with a comment that earlier versions skip when reading it (they refuse it as before).
 */
public final class Rebuilds {
    private static final String MARK = "/* marmot: table rebuilt, its rows moved to the table that took its name */";

    private Rebuilds() {
    }

    /**
     * Marks the drops that are part of a rebuild, among the unsent statements and the ones about to be recorded
     * ({@code statements}, returned with such a drop marked); runs in the recording transaction.
     */
    static List<String> mark(Connection c, List<String> statements) throws SQLException {
        List<String> out = new ArrayList<>(statements.size());
        for (String sql : statements) {
            DdlStatement st;
            try {
                st = DdlStatement.check(sql);
            } catch (IllegalArgumentException e) {
                out.add(sql); // sent as it is; the peers refuse it, as before
                continue;
            }
            if (st.kind() == DdlStatement.Kind.RENAME_TABLE) {
                // SQLite's way: the drop of the old table, unsent, is completed by this rename onto its name
                markUnsentDrop(c, st.newName());
            } else if (st.kind() == DdlStatement.Kind.DROP_TABLE) {
                // Liquibase's way: the table dropped was renamed away (unsent) and a new one took its name
                String original = unsentRenameOnto(c, st.name());
                if (original != null && SchemaJournal.exists(c, "table", original)) {
                    sql = marked(st.name());
                }
            }
            out.add(sql);
        }
        return out;
    }

    /** Whether a peer's drop is part of a rebuild (applied whatever {@code replicate-drops} says). */
    public static boolean isRebuild(String sql) {
        return sql.contains(MARK);
    }

    private static String marked(String dropped) {
        return "DROP TABLE IF EXISTS " + quote(dropped) + " " + MARK;
    }

    private static void markUnsentDrop(Connection c, String dropped) throws SQLException {
        for (Object[] row : unsent(c)) {
            DdlStatement st = (DdlStatement) row[1];
            if (st.kind() == DdlStatement.Kind.DROP_TABLE && st.name().equalsIgnoreCase(dropped) && !isRebuild(st.sql())) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + SchemaJournal.OUTBOX + " SET sql = ? WHERE seq = ?")) {
                    ps.setString(1, marked(st.name()));
                    ps.setLong(2, (Long) row[0]);
                    ps.executeUpdate();
                }
            }
        }
    }

    /** The table an unsent rename renamed to {@code name}, or null. */
    private static String unsentRenameOnto(Connection c, String name) throws SQLException {
        String from = null;
        for (Object[] row : unsent(c)) {
            DdlStatement st = (DdlStatement) row[1];
            if (st.kind() == DdlStatement.Kind.RENAME_TABLE && st.newName().equalsIgnoreCase(name)) {
                from = st.name();
            }
        }
        return from;
    }

    /** The statements recorded and not sent yet, each with its position in the outbox. */
    private static List<Object[]> unsent(Connection c) throws SQLException {
        List<Object[]> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT seq, sql FROM " + SchemaJournal.OUTBOX + " ORDER BY seq")) {
            while (rs.next()) {
                try {
                    out.add(new Object[] {rs.getLong(1), DdlStatement.check(rs.getString(2))});
                } catch (IllegalArgumentException e) {
                    // not one a peer would run either: no part of a rebuild
                }
            }
        }
        return out;
    }
}
