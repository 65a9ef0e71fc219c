package org.templar.pool.node;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a Bitcoin node's JSON-RPC listens, with its credentials, and optionally its ZMQ
 * {@code hashblock} publisher. Parsed from {@code http://user:pass@host:port}.
 */
public record NodeEndpoint(URI rpcUri, String user, String password, Optional<String> zmqHashblock) {
    public NodeEndpoint {
        Objects.requireNonNull(rpcUri, "rpcUri");
        if (!"http".equals(rpcUri.getScheme()) && !"https".equals(rpcUri.getScheme())) {
            throw new IllegalArgumentException("node URL must be http:// or https://, got " + rpcUri);
        }
        if (rpcUri.getHost() == null) {
            throw new IllegalArgumentException("node URL has no host: " + rpcUri);
        }
        user = user == null ? "" : user;
        password = password == null ? "" : password;
        zmqHashblock = zmqHashblock == null ? Optional.empty() : zmqHashblock;
    }

    /** Parses {@code http://user:pass@host:port[/path]}; credentials in the URL are percent-decoded. */
    public static NodeEndpoint parse(String url, Optional<String> zmq) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + url + " (" + e.getReason() + ")");
        }
        String user = "";
        String pass = "";
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            pass = colon < 0 ? "" : decode(info.substring(colon + 1));
        }
        try {
            URI bare = new URI(uri.getScheme(), null, uri.getHost(), uri.getPort() < 0 ? 8332 : uri.getPort(),
                    uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath(), null, null);
            return new NodeEndpoint(bare, user, pass, zmq);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad node URL " + url, e);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    public NodeEndpoint withPassword(String newPassword) {
        return new NodeEndpoint(rpcUri, user, newPassword, zmqHashblock);
    }

    /** For logs: never prints the password. */
    @Override
    public String toString() {
        return rpcUri + (user.isEmpty() ? "" : " (user " + user + ")") + zmqHashblock.map(z -> " zmq " + z).orElse("");
    }
}
