package org.templar.ops.stratumbench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What `templar bench stratum` was asked to do. Parsed by hand rather than by picocli so the bench
 * scripts can pass their arguments straight through `templar bench stratum ...`.
 *
 * @param mode connect, notify, submit or storm
 * @param pool where the pool listens (stratum+tcp://host:port)
 * @param connections connections to open and hold
 * @param concurrency most connections opening at once (a bounded handshake window, as a reconnect storm
 *     of real miners with their own retry timers would be, and within the listener's backlog)
 * @param rate submit mode: submits per second over all connections; 0 = flat out ({@code window} per connection)
 * @param window submit mode, flat out: submits in flight per connection
 * @param seconds how long submit mode measures (after a warm-up), notify mode waits without a node, and
 *     storm mode opens new connections
 * @param rounds notify mode with a node: blocks to make
 * @param shares submit mode: valid (search a nonce meeting the announced difficulty, never a block),
 *     arbitrary (any nonce; the pool's answer is counted either way) or auto (valid when the announced
 *     difficulty makes that cheap)
 * @param nodeRpc notify mode: the pool's node JSON-RPC (http://user:pass@host:port) to make blocks with
 * @param serverPid the pool's process, for RSS and CPU from /proc
 * @param clientThreads client event loops
 * @param warmupSeconds submit mode: seconds of submitting before the measured ones (JIT, vardiff)
 * @param holdSeconds seconds to hold the connections once open, before the mode's own work (time to take
 *     a heap histogram of the pool)
 * @param serverLog the pool's log file, to report how much it grew during a storm
 */
public record StratumBenchOptions(String mode, InetSocketAddress pool, String user, String password, int connections,
        int concurrency, int rate, int window, int seconds, int rounds, String shares, Optional<URI> nodeRpc,
        Optional<Long> serverPid, int clientThreads, int warmupSeconds, int holdSeconds, Optional<Path> serverLog) {
    static final List<String> MODES = List.of("connect", "notify", "submit", "storm");
    static final List<String> SHARES = List.of("auto", "valid", "arbitrary");

    public static final String USAGE = String.join("\n",
            "usage: templar bench stratum connect|notify|submit|storm --url stratum+tcp://127.0.0.1:3333 [options]",
            "  storm: holds --connections, then opens new ones for --seconds (--concurrency at once) and counts",
            "         how the pool refuses them; run it against a pool whose connection cap equals --connections",
            "  --user NAME            authorize as (default: a fresh regtest address)",
            "  --password P           (default x)",
            "  --connections N        connections to open and hold (default 1000; submit 100)",
            "  --concurrency C        handshakes in progress at once (default 1000)",
            "  --rate R               submit: submits/s over all connections, 0 = flat out (default 0)",
            "  --window W             submit flat out: submits in flight per connection (default 16)",
            "  --seconds S            submit: measured seconds; notify without a node: how long to watch;",
            "                         storm: how long to open new connections (default 20)",
            "  --rounds R             notify with --node-rpc: blocks to make (default 10)",
            "  --shares auto|valid|arbitrary  submit: what to submit (default auto)",
            "  --node-rpc URL         notify: http://user:pass@host:port of the pool's node (generatetoaddress)",
            "  --server-pid PID       the pool's process: RSS and CPU read from /proc/PID",
            "  --client-threads T     client event loops (default 1)",
            "  --warmup S             submit: seconds of submitting before measuring (default 3)",
            "  --hold S               hold the open connections S seconds before the mode's work (default 0)",
            "  --server-log FILE      the pool's log file: storm reports how much it grew");

    public StratumBenchOptions {
        if (!MODES.contains(mode)) {
            throw new IllegalArgumentException("mode must be one of " + MODES + ", got '" + mode + "'");
        }
        if (!SHARES.contains(shares)) {
            throw new IllegalArgumentException("--shares must be one of " + SHARES + ", got '" + shares + "'");
        }
        positive("--connections", connections);
        positive("--concurrency", concurrency);
        positive("--window", window);
        positive("--seconds", seconds);
        positive("--rounds", rounds);
        positive("--client-threads", clientThreads);
        if (warmupSeconds < 0) {
            throw new IllegalArgumentException("--warmup must be 0 or more, got " + warmupSeconds);
        }
        if (holdSeconds < 0) {
            throw new IllegalArgumentException("--hold must be 0 or more, got " + holdSeconds);
        }
        if (rate < 0) {
            throw new IllegalArgumentException("--rate must be 0 (flat out) or more, got " + rate);
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }

    /** Parses {@code MODE --flag value ...}; throws IllegalArgumentException with the reason. */
    public static StratumBenchOptions parse(String... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("a mode is needed: connect, notify, submit or storm");
        }
        String mode = args[0].toLowerCase(Locale.ROOT);
        String url = null;
        String user = null;
        String password = "x";
        int connections = mode.equals("submit") ? 100 : 1000;
        int concurrency = 1000;
        int rate = 0;
        int window = 16;
        int seconds = 20;
        int rounds = 10;
        String shares = "auto";
        URI nodeRpc = null;
        Long pid = null;
        int threads = 1;
        int hold = 0;
        int warmup = 3;
        Path serverLog = null;
        for (int i = 1; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String v = args[++i];
            switch (flag) {
                case "--url" -> url = v;
                case "--user" -> user = v;
                case "--password" -> password = v;
                case "--connections" -> connections = number(flag, v);
                case "--concurrency" -> concurrency = number(flag, v);
                case "--rate" -> rate = number(flag, v);
                case "--window" -> window = number(flag, v);
                case "--seconds" -> seconds = number(flag, v);
                case "--rounds" -> rounds = number(flag, v);
                case "--shares" -> shares = v.toLowerCase(Locale.ROOT);
                case "--node-rpc" -> nodeRpc = nodeUri(v);
                case "--server-pid" -> pid = (long) number(flag, v);
                case "--client-threads" -> threads = number(flag, v);
                case "--hold" -> hold = number(flag, v);
                case "--warmup" -> warmup = number(flag, v);
                case "--server-log" -> serverLog = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        if (url == null) {
            throw new IllegalArgumentException("--url stratum+tcp://HOST:PORT is needed");
        }
        return new StratumBenchOptions(mode, poolAddress(url), user, password, connections, concurrency, rate, window,
                seconds, rounds, shares, Optional.ofNullable(nodeRpc), Optional.ofNullable(pid), threads, warmup, hold,
                Optional.ofNullable(serverLog));
    }

    /** stratum+tcp://host:port (or tcp://, or bare host:port) to a socket address; TLS is not spoken. */
    static InetSocketAddress poolAddress(String url) {
        String rest = url;
        int scheme = url.indexOf("://");
        if (scheme >= 0) {
            String s = url.substring(0, scheme).toLowerCase(Locale.ROOT);
            if (!s.equals("stratum+tcp") && !s.equals("tcp")) {
                throw new IllegalArgumentException("--url: only stratum+tcp:// is spoken, got " + s + "://");
            }
            rest = url.substring(scheme + 3);
        }
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        int colon = rest.lastIndexOf(':');
        if (colon <= 0 || colon == rest.length() - 1) {
            throw new IllegalArgumentException("--url needs HOST:PORT, got '" + url + "'");
        }
        String host = rest.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = number("--url port", rest.substring(colon + 1));
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--url port must be 1..65535, got " + port);
        }
        return new InetSocketAddress(host, port);
    }

    private static URI nodeUri(String v) {
        URI u;
        try {
            u = new URI(v);
        } catch (java.net.URISyntaxException e) {
            u = null;
        }
        if (u == null || !"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
            throw new IllegalArgumentException("--node-rpc must be http://user:pass@host:port, got '" + v + "'");
        }
        return u;
    }

    private static int number(String flag, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a whole number, got '" + v + "'");
        }
    }
}
