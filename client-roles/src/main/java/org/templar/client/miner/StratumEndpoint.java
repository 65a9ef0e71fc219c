package org.templar.client.miner;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.templar.pool.sv2.noise.AuthorityPublicKey;

/**
 * Where a pool listens: host and TCP port, parsed from {@code stratum+tcp://host:port} (Stratum V1) or
 * {@code stratum2+tcp://host:port/AUTHORITY_PUBKEY} (Stratum V2, Noise-encrypted). For V2 the pool's
 * authority public key, in the spec's base58check text form, is part of the endpoint: without it there
 * is nothing to authenticate the pool against, so a V2 endpoint cannot exist without one.
 *
 * @param authority present exactly for Stratum V2 endpoints
 * @param tls Stratum V1 over TLS ({@code stratum+ssl://host:port})
 */
public record StratumEndpoint(String host, int port, Optional<AuthorityPublicKey> authority, boolean tls) {
    public StratumEndpoint {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("pool host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("pool port must be 1..65535, got " + port);
        }
        Objects.requireNonNull(authority, "authority");
        if (tls && authority.isPresent()) {
            throw new IllegalArgumentException("Stratum V2 brings its own encryption (Noise), not TLS");
        }
    }

    public StratumEndpoint(String host, int port, Optional<AuthorityPublicKey> authority) {
        this(host, port, authority, false);
    }

    /** A Stratum V1 endpoint. */
    public StratumEndpoint(String host, int port) {
        this(host, port, Optional.empty());
    }

    /** Speaks Stratum V2 (Noise + binary framing) rather than V1 JSON lines. */
    public boolean isSv2() {
        return authority.isPresent();
    }

    /**
     * The same protocol (and, for V2, the same pinned authority) at another address: a pool's reconnect
     * request can move us, never to a server the authority has not certified.
     */
    public StratumEndpoint withAddress(String newHost, int newPort) {
        return new StratumEndpoint(newHost, newPort, authority, tls);
    }

    /**
     * Accepts {@code stratum+tcp://host:port}, {@code stratum://host:port}, {@code tcp://host:port}, a bare
     * {@code host:port}, {@code stratum+ssl://host:port} (also {@code stratum+tls://}, Stratum V1 over TLS) and
     * {@code stratum2+tcp://host:port/AUTHORITY_PUBKEY}. Other TLS-looking schemes are refused rather than
     * silently spoken in clear text.
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
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        boolean v2 = scheme.equals("stratum2+tcp");
        boolean tls = scheme.equals("stratum+ssl") || scheme.equals("stratum+tls");
        if (!v2 && !tls && !scheme.equals("stratum+tcp") && !scheme.equals("stratum") && !scheme.equals("tcp")) {
            throw new IllegalArgumentException("unsupported scheme '" + scheme + "' in pool url '" + url
                    + "', expected stratum+tcp://host:port, stratum+ssl://host:port or stratum2+tcp://host:port/AUTHORITY_PUBKEY");
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("pool url '" + url + "' needs a host and a port, e.g. "
                    + (v2 ? "stratum2+tcp://127.0.0.1:3336/AUTHORITY_PUBKEY" : "stratum+tcp://127.0.0.1:3333"));
        }
        if (!v2) {
            return new StratumEndpoint(uri.getHost(), uri.getPort(), Optional.empty(), tls);
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String key = path.startsWith("/") ? path.substring(1) : path;
        if (key.isEmpty()) {
            throw new IllegalArgumentException("stratum2+tcp url '" + url + "' needs the pool's authority public key"
                    + " as its path: stratum2+tcp://host:port/AUTHORITY_PUBKEY (the pool prints it at start)");
        }
        AuthorityPublicKey authority;
        try {
            authority = AuthorityPublicKey.parse(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad authority public key in pool url '" + url + "': " + e.getMessage(), e);
        }
        return new StratumEndpoint(uri.getHost(), uri.getPort(), Optional.of(authority));
    }

    @Override
    public String toString() {
        String address = (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        return authority.map(a -> "stratum2+tcp://" + address + "/" + a.toBase58())
                .orElse((tls ? "stratum+ssl://" : "stratum+tcp://") + address);
    }
}
