package io.marmot.apply;

import io.marmot.config.Secrets;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import java.io.IOException;
import java.time.Duration;

/** Short questions the {@link FeedWatchdog} asks the NATS server about a feed, each bounded by a timeout. */
final class FeedProbes {
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(1);
    /** As long as the watchdog's other requests: a slow answer must not pass for a dead consumer. */
    private static final JetStreamOptions CONSUMER_LOOK = JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(2))
            .build();

    private FeedProbes() {
    }

    /**
     * Whether no server answers for the feed's consumer while one answered for its stream: an R1 consumer whose server
     * died (or that the server dropped) delivers nothing, and jnats would notice only after three missed heartbeats.
     */
    static boolean consumerGone(Connection nc, String stream, String consumer) {
        if (consumer == null) {
            return false;
        }
        try {
            nc.jetStreamManagement(CONSUMER_LOOK).getConsumerInfo(stream, consumer);
            return false;
        } catch (IOException e) {
            return true; // no answer within the timeout
        } catch (JetStreamApiException e) {
            return e.getApiErrorCode() == 10014 || e.getApiErrorCode() == 10119; // not found, offline
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The server lost the stream (its store wiped, its copy not rebuilt): another server of the cluster may have it. */
    static boolean streamNotFound(Exception e) {
        return e instanceof JetStreamApiException j && j.getApiErrorCode() == 10059;
    }

    /**
     * Whether the server itself answers. One that does while its JetStream requests time out is electing a stream
     * leader (after a server of the cluster died): moving would not help, and the node stays reported until it ends.
     */
    static boolean answersPing(Connection nc) {
        try {
            nc.flush(PING_TIMEOUT);
            return true;
        } catch (java.util.concurrent.TimeoutException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    static String server(Connection nc) {
        String url = nc.getConnectedUrl();
        return url == null ? "(none)" : Secrets.maskUrl(url);
    }
}
