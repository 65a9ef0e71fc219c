package org.templar.pool.miner;

import java.net.URI;
import java.net.URISyntaxException;

/** Where a pool listens: host and TCP port, parsed from {@code stratum+tcp://host:port}. */
public record StratumEndpoint(String host, int port) {
    public StratumEndpoint {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("pool host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("pool port must be 1..65535, got " + port);
        }
    }

    /**
     * Accepts {@code stratum+tcp://host:port}, {@code stratum://host:port}, {@code tcp://host:port} and a bare
     * {@code host:port}. TLS schemes are refused rather than silently spoken in clear text.
     */
    public static StratumEndpoint parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("pool url must not be empty, expected stratum+tcp://host:port");
        }
        String u = url.trim();
        if (!u.contains("://")) {
            u = "stratum+tcp://" + u;
        }
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad pool url '" + url + "', expected stratum+tcp://host:port", e);
        }
        String scheme = uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("stratum+tcp") && !scheme.equals("stratum") && !scheme.equals("tcp")) {
            throw new IllegalArgumentException("unsupported scheme '" + scheme + "' in pool url '" + url
                    + "', expected stratum+tcp://host:port");
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("pool url '" + url + "' needs a host and a port, e.g. stratum+tcp://127.0.0.1:3333");
        }
        return new StratumEndpoint(uri.getHost(), uri.getPort());
    }

    @Override
    public String toString() {
        return "stratum+tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
