package io.marmot.sidecar;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;

/** One JSON object per log line: {@code {"time":…,"level":…,"logger":…,"thread":…,"message":…[,"error":…]}}. */
final class JsonLineLayout extends LayoutBase<ILoggingEvent> {

    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(160);
        b.append("{\"time\":\"").append(Instant.ofEpochMilli(e.getTimeStamp())).append('"');
        b.append(",\"level\":\"").append(e.getLevel()).append('"');
        field(b, "logger", e.getLoggerName());
        field(b, "thread", e.getThreadName());
        field(b, "message", e.getFormattedMessage());
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            field(b, "error", ThrowableProxyUtil.asString(t));
        }
        return b.append("}\n").toString();
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append(",\"").append(name).append("\":");
        Json.string(b, value);
    }
}
