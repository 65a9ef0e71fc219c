package org.templar.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.templar.ops.config.ConfigLoader;
import org.templar.pool.node.NodeClient;

/**
 * The real pool as `templar run` starts it (embedded regtest node, H2 ledger, SV1 listener), on
 * loopback with OS-chosen ports and a temporary data directory. Public for the load generators in
 * src/bench/java (org.templar.ops.bench), which start their pool the same way.
 */
public final class PoolHarness implements AutoCloseable {
    final RunCommand.Running running;
    final NodeClient node;

    PoolHarness(RunCommand.Running running) {
        this.running = running;
        this.node = running.pool().nodes().primary();
    }

    static Map<String, String> defaults(Path dataDir) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("data_dir", dataDir.toString());
        o.put("sv1.listen", "127.0.0.1:0");
        o.put("sv2.listen", "off");
        o.put("jds.listen", "off");
        o.put("metrics.listen", "off");
        o.put("admin.listen", "off");
        o.put("embedded_node.rpc_port", "0");
        o.put("embedded_node.zmq_port", "0");
        // every test client and load generator connects from loopback: one address must not trip the
        // per-address cap or the automatic bans of another test's bad input (LimitsAndBansTest sets them)
        o.put("limits.max_connections_per_ip", "10000000");
        o.put("bans.enabled", "false");
        return o;
    }

    public static PoolHarness start(Path dataDir, Map<String, String> extra) throws Exception {
        Map<String, String> o = defaults(dataDir);
        o.putAll(extra);
        return new PoolHarness(RunCommand.start(ConfigLoader.load(null, o)));
    }

    public PoolRuntime pool() {
        return running.pool();
    }

    public InetSocketAddress sv1() {
        return running.pool().sv1Address();
    }

    String url() {
        return "stratum+tcp://127.0.0.1:" + sv1().getPort();
    }

    JsonNode rpc(String method, Object... params) throws Exception {
        return node.rpc().call(method, params).get(30, TimeUnit.SECONDS);
    }

    int height() throws Exception {
        return rpc("getblockcount").asInt();
    }

    static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        await(timeout, condition, () -> what);
    }

    /** As {@link #await(Duration, BooleanSupplier, String)}, describing what was seen when it timed out. */
    static void await(Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what.get());
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() {
        running.close();
    }
}
