package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.node.NodeClient;
import org.templar.pool.node.NodeEndpoint;
import org.templar.pool.node.NodeGroup;
import org.templar.regtest.RegtestNode;

/**
 * Issue 7, faults: losing one of two nodes keeps work flowing within the failover deadline, and a node
 * that hangs or answers garbage is demoted, not waited on for every template. The bad nodes are real
 * sockets: one accepts connections and never answers, one answers HTTP 200 with a page that is not
 * JSON-RPC.
 */
@Timeout(120)
class NodeFailoverTest {
    private static final Duration LONG_RPC_TIMEOUT = Duration.ofSeconds(60);
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** Accepts connections and never answers: a node stuck in a long validation, or a dead link. */
    private final class HungNode implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();
        final List<Socket> held = new CopyOnWriteArrayList<>();

        HungNode() throws Exception {
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        held.add(server.accept());
                        connections.incrementAndGet();
                    } catch (java.io.IOException e) {
                        return; // closed
                    }
                }
            }, "hung-node");
            t.setDaemon(true);
            t.start();
            open.add(this);
        }

        String url() {
            return "http://u:p@127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            server.close();
            for (Socket s : held) {
                s.close();
            }
        }
    }

    private HttpServer garbageNode(AtomicInteger requests) throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] page = "<html><body>502 Bad Gateway</body></html>".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        http.start();
        open.add(() -> http.stop(0));
        return http;
    }

    private RegtestNode realNode() {
        RegtestNode n = RegtestNode.start(RegtestNode.Config.ephemeral());
        open.add(n);
        return n;
    }

    private static NodeClient client(String url) {
        return client(url, LONG_RPC_TIMEOUT);
    }

    private static NodeClient client(String url, Duration timeout) {
        URI u = URI.create(url);
        String[] userInfo = u.getUserInfo().split(":");
        return new NodeClient(new NodeEndpoint(URI.create("http://" + u.getHost() + ":" + u.getPort() + "/"), userInfo[0],
                userInfo[1], Optional.empty()), timeout);
    }

    private static String url(RegtestNode n) {
        return "http://" + n.rpcUser() + ":" + n.rpcPassword() + "@127.0.0.1:" + n.rpcUri().getPort();
    }

    private static long millisTo(java.util.concurrent.CompletableFuture<?> f) throws Exception {
        long t0 = System.nanoTime();
        f.get(30, TimeUnit.SECONDS);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    @Test
    void aHungNodeCostsOneDeadlineOnceThenIsAskedOnlyByProbes() throws Exception {
        HungNode hung = new HungNode();
        RegtestNode real = realNode();
        NodeGroup group = new NodeGroup(List.of(client(hung.url()), client(url(real))), Duration.ofMillis(300),
                Duration.ofSeconds(2));

        long first = millisTo(group.getBlockTemplate());
        assertTrue(first < 10_000, "answered by the second node after the deadline, not the 60 s RPC timeout: " + first);
        assertFalse(group.isHealthy(0), "the silent node is demoted");
        assertTrue(group.isHealthy(1));
        assertEquals(List.of(1, 0), group.order());
        assertEquals(1, hung.connections.get());

        // Within the probe interval, templates and the tip come straight from the healthy node.
        for (int i = 0; i < 5; i++) {
            BlockTemplate t = group.getBlockTemplate().get(5, TimeUnit.SECONDS);
            assertEquals(1, t.height());
            assertEquals(real.chain().tipHash().toString(), group.getBestBlockHash().get(5, TimeUnit.SECONDS));
        }
        assertEquals(1, hung.connections.get(), "a demoted node is not asked for every template");

        // After the interval one probe goes to it in the background; it stays demoted while it stays silent.
        PoolHarness.await(Duration.ofSeconds(20), () -> {
            group.getBlockTemplate().join();
            return hung.connections.get() == 2;
        }, "a background probe of the demoted node");
        assertFalse(group.isHealthy(0));
    }

    @Test
    void aNodeAnsweringGarbageIsDemotedAtOnce() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer garbage = garbageNode(requests);
        RegtestNode real = realNode();
        NodeGroup group = new NodeGroup(List.of(client("http://u:p@127.0.0.1:" + garbage.getAddress().getPort()),
                client(url(real))), Duration.ofSeconds(5), Duration.ofSeconds(30));
        for (int i = 0; i < 5; i++) {
            assertEquals(1, group.getBlockTemplate().get(10, TimeUnit.SECONDS).height());
        }
        assertEquals(1, requests.get(), "asked once, demoted, then left alone until its probe");
        assertFalse(group.isHealthy(0));

        // every node bad: a clear failure, not a hang
        NodeGroup allBad = new NodeGroup(List.of(client("http://u:p@127.0.0.1:" + garbage.getAddress().getPort()),
                client(new HungNode().url(), Duration.ofSeconds(2))), Duration.ofMillis(200), Duration.ofSeconds(30));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> allBad.getBlockTemplate().get(20, TimeUnit.SECONDS));
        assertTrue(e.getCause() != null);
    }

    @Test
    void aNodeThatComesBackTakesItsPlaceAgain() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // nothing listens there yet
        }
        RegtestNode second = realNode();
        NodeGroup group = new NodeGroup(List.of(client("http://templar:templar@127.0.0.1:" + port), client(url(second))),
                Duration.ofSeconds(2), Duration.ofMillis(500));
        assertEquals(1, group.getBlockTemplate().get(10, TimeUnit.SECONDS).height());
        assertFalse(group.isHealthy(0));

        RegtestNode first = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(port, -1));
        open.add(first);
        first.generateToAddress(3, SoloAndPoolMiningTest.newAddress()); // tell the two nodes apart by height
        PoolHarness.await(Duration.ofSeconds(20), () -> {
            group.getBlockTemplate().join();
            return group.isHealthy(0);
        }, "the first node restored by a probe");
        assertEquals(4, group.getBlockTemplate().get(10, TimeUnit.SECONDS).height(), "templates from the first node again");
    }

    /** The whole pool: a hung first node must not stop the miner's blocks (each needs a fresh template). */
    @Test
    void thePoolKeepsMiningWhenItsFirstNodeHangs(@TempDir Path dir) throws Exception {
        HungNode hung = new HungNode();
        RegtestNode real = realNode();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("node.urls", hung.url() + "," + url(real),
                "node.timeout_ms", String.valueOf(LONG_RPC_TIMEOUT.toMillis()), "node.failover_ms", "1000"));
                CpuMiner miner = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, SoloAndPoolMiningTest.newAddress()))) {
            // With the 60 s RPC timeout and no failover, one template would take a minute; five blocks
            // (five templates) within the time limit needs the deadline.
            PoolHarness.await(Duration.ofSeconds(60), () -> real.chain().height() >= 5, "blocks on the healthy node");
            assertFalse(pool.pool().nodes().isHealthy(0));
        }
    }
}
