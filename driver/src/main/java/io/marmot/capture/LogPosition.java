package io.marmot.capture;

/**
 * A place in the change log: the last row read ({@code seq}) and that row's version. Readers resume the version
 * sequence from here; {@link #START} is the beginning of a new log.
 */
public record LogPosition(long seq, long version) {
    public static final LogPosition START = new LogPosition(0, 0);
}
