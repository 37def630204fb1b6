package io.marmot.schema;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A table's shape ({@link TableInfo}) as text, kept beside the schema record: once a table is renamed, dropped or
 * loses a column, the catalogue no longer says what the rows logged before looked like, and this does.
 */
final class StoredShape {
    private static final int FORMAT = 1;

    private StoredShape() {
    }

    public static String encode(TableInfo t) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeUTF(t.name());
            out.writeInt(t.columns().size());
            for (TableInfo.Column col : t.columns()) {
                out.writeUTF(col.name());
                out.writeUTF(col.declaredType() == null ? "" : col.declaredType());
                out.writeBoolean(col.key());
            }
            out.writeInt(t.keyColumns().size());
            for (String k : t.keyColumns()) {
                out.writeUTF(k);
            }
            out.writeUTF(t.rowidAlias() == null ? "" : t.rowidAlias());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: cannot happen
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    /** The shape, or null when the text is not one this version wrote. */
    public static TableInfo decode(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(text)))) {
            if (in.readByte() != FORMAT) {
                return null;
            }
            String name = in.readUTF();
            int n = in.readInt();
            List<TableInfo.Column> columns = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                columns.add(new TableInfo.Column(in.readUTF(), in.readUTF(), in.readBoolean()));
            }
            int k = in.readInt();
            List<String> keys = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                keys.add(in.readUTF());
            }
            String alias = in.readUTF();
            return new TableInfo(name, columns, keys, alias.isEmpty() ? null : alias);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
