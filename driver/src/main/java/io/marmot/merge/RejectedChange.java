package io.marmot.merge;

/** A received change this node cannot apply (schema differs, constraint violated): its message is parked. */
public final class RejectedChange extends Exception {
    private static final long serialVersionUID = 1L;

    RejectedChange(String reason) {
        super(reason);
    }
}
