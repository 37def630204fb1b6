package io.marmot.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The other nodes' keys in one of the engine's key-value buckets, for looks that read every peer's entry (digests,
 * schema fingerprints). Listing costs the server a stream-info request with every subject; the entries themselves
 * are read by key at every look anyway. So the keys are listed at every look while the listing changes, then every
 * 2, 4 … up to {@code listEvery} looks while it stays the same: a node joining a quiet cluster is seen within that.
 */
public final class PeerKeys {
    private final KvBucket bucket;
    private final String own;
    private final int longest;
    private List<String> keys;
    private int sinceListing;
    private int every = 1;

    /** @param own this node's key, never a peer's */
    public PeerKeys(KvBucket bucket, String own, int listEvery) {
        this.bucket = bucket;
        this.own = own;
        this.longest = listEvery;
    }

    public List<String> get(Connection nc) throws IOException, JetStreamApiException {
        if (keys == null || ++sinceListing >= every) {
            List<String> listed = new ArrayList<>();
            for (String key : bucket.keys(nc)) {
                if (!key.equals(own)) { // this node's own entry is known here (a lagging replica may hold the one before)
                    listed.add(key);
                }
            }
            every = listed.equals(keys) ? Math.min(every * 2, longest) : 1;
            keys = listed;
            sinceListing = 0;
        }
        return keys;
    }

    /** A look failed: the next one lists again. */
    public void forget() {
        keys = null;
        every = 1;
    }
}
