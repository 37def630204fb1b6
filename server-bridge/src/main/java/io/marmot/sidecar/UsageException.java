package io.marmot.sidecar;

/** A bad command line or config file: reported as one line on stderr, exit code 2. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
