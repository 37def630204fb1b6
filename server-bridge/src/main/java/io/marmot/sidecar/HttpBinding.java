package io.marmot.sidecar;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the HTTP server to the first port of an {@link HttpPort} that accepts it. Binding (not probing first)
 * settles races between sidecars starting at the same moment: the operating system gives each port to one.
 */
final class HttpBinding {
    private static final Logger log = LoggerFactory.getLogger(HttpBinding.class);

    private HttpBinding() {
    }

    /** A bound, not yet started server; fails naming the address and what to do about it. */
    static HttpServer bind(String address, HttpPort choice) throws IOException {
        IOException first = null;
        for (int port : choice.candidates()) {
            try {
                HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 16);
                if (first != null) {
                    log.info("HTTP port {} on {} is in use: listening on port {} instead (--http-port fixes the port)",
                            HttpPort.FIRST_DEFAULT, address, server.getAddress().getPort());
                }
                return server;
            } catch (IOException | IllegalArgumentException e) {
                if (first == null) {
                    first = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                }
                log.debug("cannot listen on {}:{} for HTTP: {}", address, port, e.toString());
            }
        }
        String where = address + ":" + choice.candidates().get(0);
        if (choice.given()) {
            throw new IOException("cannot listen on " + where + " for HTTP (" + first + "); choose another"
                    + " --http-port or --http-bind, leave --http-port out to take the first free port from "
                    + HttpPort.FIRST_DEFAULT + ", or --http-port 0 to turn HTTP off", first);
        }
        // Every port failed, even one of the system's choosing: the address itself is unusable.
        throw new IOException("cannot listen on " + address + " for HTTP (" + first + "); choose another --http-bind,"
                + " or --http-port 0 to turn HTTP off", first);
    }
}
