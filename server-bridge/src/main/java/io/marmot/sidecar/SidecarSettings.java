package io.marmot.sidecar;

import io.marmot.config.MarmotConfig;
import java.nio.file.Path;

/**
 * What one run of the sidecar does, parsed once from the command line and the config file.
 *
 * @param help only print the help (the other fields then hold defaults)
 * @param replication the driver parameters, validated by the driver itself
 * @param httpPort the port asked for, or the default rule; {@link HttpPort#off()} when HTTP is off
 */
record SidecarSettings(boolean help, Path dbPath, MarmotConfig replication, boolean cleanup, boolean clearOutOfSync,
        boolean saveSnapshot, boolean listSnapshots, boolean verbose,
        LogFormat logFormat, HttpPort httpPort, String httpBind) {

    enum LogFormat {
        TEXT, JSON
    }
}
