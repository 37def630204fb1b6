package io.marmot.wire;

/** A message that is not a valid marmot change message: it is rejected whole and never applied. */
public class MalformedMessageException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedMessageException(String message) {
        super(message);
    }
}
