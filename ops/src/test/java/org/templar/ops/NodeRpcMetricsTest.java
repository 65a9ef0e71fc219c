package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.pool.node.NodeEndpoint;
import org.templar.pool.node.RpcClient;
import org.templar.pool.node.RpcObserver;

/** Node RPC latency and errors, per node, from the pool's real calls. */
@Timeout(60)
class NodeRpcMetricsTest {
    @Test
    void callsAreTimedPerNodeAndMethodAndFailuresCounted(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("metrics.listen", "127.0.0.1:0"))) {
            URI rpc = pool.pool().embeddedNode().orElseThrow().rpcUri();
            String node = rpc.getHost() + ":" + rpc.getPort();
            // a call the node refuses with a JSON-RPC error
            assertThrows(ExecutionException.class, () -> pool.rpc("getblockheader", "00").toString());
            String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + pool.running.metrics().address().getPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(text.contains("templar_node_rpc_seconds_count{node=\"" + node + "\",method=\"getblocktemplate\",}"), text);
            assertTrue(text.contains("templar_node_rpc_seconds_count{node=\"" + node + "\",method=\"getblockchaininfo\",}"), text);
            assertTrue(text.contains("templar_node_rpc_errors_total{node=\"" + node
                    + "\",method=\"getblockheader\",kind=\"rpc_error\",} 1.0"), text);
        }

        // outcomes, seen by an observer: the node is down
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        List<String> seen = new CopyOnWriteArrayList<>();
        RpcClient down = new RpcClient(new NodeEndpoint(URI.create("http://127.0.0.1:" + closed), "u", "p", Optional.empty()),
                Duration.ofSeconds(2), (n, method, nanos, outcome) -> seen.add(n + " " + method + " " + outcome));
        assertThrows(ExecutionException.class, () -> down.call("getbestblockhash").get(10, TimeUnit.SECONDS));
        assertEquals(List.of("127.0.0.1:" + closed + " getbestblockhash FAILED"), seen);

        io.prometheus.client.CollectorRegistry registry = new io.prometheus.client.CollectorRegistry();
        PrometheusMetrics m = new PrometheusMetrics(registry);
        m.completed("10.0.0.1:8332", "submitblock", 2_000_000, RpcObserver.Outcome.RPC_ERROR);
        m.completed("10.0.0.1:8332", "getblocktemplate", 1_000_000, RpcObserver.Outcome.FAILED);
        java.io.StringWriter w = new java.io.StringWriter();
        io.prometheus.client.exporter.common.TextFormat.write004(w, registry.metricFamilySamples());
        assertTrue(w.toString().contains(
                "templar_node_rpc_errors_total{node=\"10.0.0.1:8332\",method=\"submitblock\",kind=\"rpc_error\",} 1.0"), w.toString());
        assertTrue(w.toString().contains("kind=\"failed\",} 1.0"), w.toString());
    }
}
