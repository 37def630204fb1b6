package io.marmot.nats;

import io.nats.client.Connection;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamSubscription;
import io.nats.client.support.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** jnats reports through slf4j instead of stderr, under the shared connection's logger, counting its troubles. */
final class LoggingErrorListener implements ErrorListener {
    private static final Logger log = LoggerFactory.getLogger(SharedConnection.class);

    private final String name;
    private final ConnectionTrouble trouble;

    LoggingErrorListener(String name, ConnectionTrouble trouble) {
        this.name = name;
        this.trouble = trouble;
    }

    @Override
    public void errorOccurred(Connection conn, String error) {
        log.warn("{} - NATS error: {}", name, error);
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
        log.debug("{} - NATS exception: {}", name, exp.toString());
    }

    /**
     * A consumer's server died while this connection stayed up: its pulls go unanswered and jnats notices only
     * now (45 to 90 s on); the applier's watchdog has usually read the feed again by then. Said, so that a
     * silent minute is not silent in the log.
     */
    @Override
    public void heartbeatAlarm(Connection conn, JetStreamSubscription sub, long lastStreamSequence,
            long lastConsumerSequence) {
        if (trouble.heartbeatAlarm()) {
            log.warn("{} - NATS heartbeat alarm: a consumer delivered nothing for three heartbeats (last stream"
                    + " sequence {}; {} on this connection so far, at most one such warning a minute)", name,
                    lastStreamSequence, trouble.heartbeatAlarms());
        } else {
            log.debug("{} - NATS heartbeat alarm (last stream sequence {})", name, lastStreamSequence);
        }
    }

    @Override
    public void pullStatusError(Connection conn, JetStreamSubscription sub,
            Status status) {
        pullStatus(status, true);
    }

    @Override
    public void pullStatusWarning(Connection conn, JetStreamSubscription sub,
            Status status) {
        pullStatus(status, false);
    }

    @Override
    public void unhandledStatus(Connection conn, JetStreamSubscription sub,
            Status status) {
        pullStatus(status, true);
    }

    private void pullStatus(Status status, boolean error) {
        if (!ConnectionTrouble.refusal(status.getMessage(), error)) {
            log.trace("{} - NATS pull status: {} {}", name, status.getCode(), status.getMessage());
        } else if (trouble.pullError()) {
            log.warn("{} - NATS refused a pull: {} {} ({} on this connection so far, at most one such warning a"
                    + " minute; the feeds read again)", name, status.getCode(), status.getMessage(),
                    trouble.pullErrors());
        } else {
            log.debug("{} - NATS refused a pull: {} {}", name, status.getCode(), status.getMessage());
        }
    }

    @Override
    public void slowConsumerDetected(Connection conn, Consumer consumer) {
        if (trouble.slowConsumer()) {
            log.warn("{} - NATS slow consumer: the client dropped messages a feed could not take in time ({} so"
                    + " far); the feeds read them again", name, trouble.slowConsumers());
        }
    }
}
