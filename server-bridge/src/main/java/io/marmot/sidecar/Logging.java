package io.marmot.sidecar;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.nio.charset.StandardCharsets;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's logging: logback, configured in code from the flags (no logback.xml to ship or find), to
 * stderr, as text for people or as JSON lines; {@code --verbose} turns on marmot's debug logs.
 */
final class Logging {
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n";

    private Logging() {
    }

    static void configure(boolean verbose, SidecarSettings.LogFormat format) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext ctx)) {
            return; // another slf4j binding was put on the class path: it keeps its own configuration
        }
        ctx.reset();
        LayoutBase<ILoggingEvent> layout;
        if (format == SidecarSettings.LogFormat.JSON) {
            layout = new JsonLineLayout();
        } else {
            PatternLayout p = new PatternLayout();
            p.setPattern(TEXT_PATTERN);
            layout = p;
        }
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("stderr");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(console);
        ctx.getLogger("io.marmot").setLevel(verbose ? Level.DEBUG : Level.INFO);
    }
}
