package io.marmot.replication;

final class ReceivedPositions {
    static final String TABLE = "__marmot_received";
}
