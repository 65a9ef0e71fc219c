package org.templar.ops;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.templar.ops.config.ConfigException;
import org.templar.ops.config.TemplarConfig;
import org.templar.pool.core.PayoutMode;

/** What `templar run` says when it starts: the banner, and a port in use said as the key that sets it. */
final class Startup {
    private Startup() {}

    /**
     * Binds through {@code start}; a port already in use becomes a {@link ConfigException} naming the
     * configuration key and the port (exit code 2, nothing started is left running).
     */
    static <T> T bind(String key, InetSocketAddress address, Callable<T> start) throws Exception {
        try {
            return start.call();
        } catch (Exception e) {
            if (isBindFailure(e)) {
                throw portInUse(key, address.getHostString(), address.getPort());
            }
            throw e;
        }
    }

    static ConfigException portInUse(String key, String host, int port) {
        return new ConfigException(key + ": port " + port + " on " + host + " is already in use (another pool or "
                + "program has it); stop that or set another port with " + key);
    }

    static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a TCP port can be bound on loopback now (to tell which of two ports failed). */
    static boolean portFree(int port) {
        if (port <= 0) {
            return true;
        }
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The host to put in a URL a person pastes: a wildcard bind is named by the machine's name. */
    static String urlHost(InetSocketAddress bound, Supplier<String> machineName) {
        InetAddress a = bound.getAddress();
        String host = a == null ? bound.getHostString()
                : a.isAnyLocalAddress() ? machineName.get()
                : a.getHostAddress();
        return host.contains(":") ? "[" + host + "]" : host;
    }

    /** This machine's host name, or 127.0.0.1 when it has none worth printing. */
    static String machineName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return name == null || name.isBlank() || name.equals("localhost") ? "127.0.0.1" : name;
        } catch (IOException | SecurityException e) {
            return "127.0.0.1";
        }
    }

    /** The banner: version, network, node(s), payout mode and every endpoint as a URL. */
    static String banner(TemplarConfig config, PoolRuntime pool, HttpEndpoints metrics, HttpEndpoints admin,
            String tokenWhere, Supplier<String> machineName) {
        List<String> l = new ArrayList<>();
        l.add("Templar " + Templar.VERSION + " running");
        l.add(row("network", config.network().toString().toLowerCase(java.util.Locale.ROOT)));
        if (pool.embeddedNode().isPresent()) {
            var n = pool.embeddedNode().get();
            l.add(row("node", "embedded regtest node " + n.rpcUri() + " (user " + config.embeddedNode().rpcUser() + ")"
                    + (n.zmqEndpoint() == null ? "" : ", ZMQ " + n.zmqEndpoint())));
        } else {
            for (var c : pool.nodes().nodes()) {
                l.add(row("node", c.endpoint().toString()));
            }
        }
        l.add(row("payout", config.pool().mode() == PayoutMode.SOLO
                ? "solo: each miner's username is ADDRESS[.worker], its blocks pay that address"
                : "pool: blocks pay " + config.pool().payoutAddress().orElse("?") + ", miners log in as ACCOUNT[.worker]"));
        if (pool.sv1Address() != null) {
            l.add(row("stratum v1", "stratum+tcp://" + urlHost(pool.sv1Address(), machineName) + ":" + pool.sv1Address().getPort()));
        }
        if (pool.sv1TlsAddress() != null) {
            l.add(row("stratum v1 tls", "stratum+ssl://" + urlHost(pool.sv1TlsAddress(), machineName) + ":" + pool.sv1TlsAddress().getPort()));
        }
        if (pool.sv2Address() != null) {
            l.add(row("stratum v2", "stratum2+tcp://" + urlHost(pool.sv2Address(), machineName) + ":" + pool.sv2Address().getPort()
                    + "/" + pool.authority().map(a -> a.publicKey().toBase58()).orElse("")));
        }
        if (metrics != null) {
            l.add(row("metrics", "http://" + urlHost(metrics.address(), machineName) + ":" + metrics.address().getPort() + "/metrics"));
        }
        if (admin != null) {
            l.add(row("admin API", "http://" + urlHost(admin.address(), machineName) + ":" + admin.address().getPort()
                    + "  (token in " + tokenWhere + ")"));
        }
        l.add(row("data", config.dataDir().toAbsolutePath().normalize().toString()));
        return String.join(System.lineSeparator(), l);
    }

    private static String row(String label, String value) {
        return String.format("  %-11s %s", label, value);
    }
}
