package io.marmot.wire;

/**
 * A message of a wire format this version does not read, written by a newer version: kept (parked) until this node
 * is upgraded, never dropped.
 */
public final class UnknownFormatException extends MalformedMessageException {
    private static final long serialVersionUID = 1L;

    public UnknownFormatException(int format) {
        super("wire format " + format + " is newer than this node reads (" + WireFormat.FORMAT_1 + " and " + WireFormat.FORMAT
                + "): upgrade this node");
    }
}
