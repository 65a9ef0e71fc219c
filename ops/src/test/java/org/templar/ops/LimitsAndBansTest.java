package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;

/**
 * Limits and policy over real sockets against `templar run`: connection caps per address and in
 * total, the setup and idle deadlines, automatic bans for each trigger, operator bans (CIDR, reason)
 * that survive a restart, and kicks that stick. Hostile clients connect from other loopback addresses
 * (127.0.0.2, ...: all of 127/8 is loopback on Linux) than the honest miner (127.0.0.1).
 */
@Timeout(180)
class LimitsAndBansTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static InetAddress ip(String text) throws IOException {
        return InetAddress.getByName(text);
    }

    private static Sv1TestClient from(PoolHarness pool, String local) throws IOException {
        return new Sv1TestClient(pool.sv1(), ip(local));
    }

    /** Whether the pool answers a subscribe on a fresh connection from {@code local} (a refused one is closed first). */
    private static boolean admitted(PoolHarness pool, String local) throws IOException {
        Sv1TestClient c;
        try {
            c = from(pool, local);
        } catch (java.net.SocketException reset) {
            return false; // reset before the client finished setting up its socket
        }
        try (c) {
            JsonNode r = c.call("mining.subscribe", "[]");
            return r.path("error").isNull();
        } catch (IOException closed) {
            return false;
        }
    }

    private static void setUp(Sv1TestClient c, String user) throws IOException {
        assertTrue(c.call("mining.subscribe", "[]").path("error").isNull());
        JsonNode auth = c.call("mining.authorize", "[\"" + user + "\",\"x\"]");
        assertTrue(auth.path("result").asBoolean(), auth.toString());
    }

    private static String metrics(PoolHarness pool) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pool.running.metrics().address().getPort()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static HttpResponse<String> admin(PoolHarness pool, Path dir, String method, String pathAndQuery) throws Exception {
        String token = Files.readString(dir.resolve("admin.token")).trim();
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pool.running.admin().address().getPort()
                + pathAndQuery)).header("Authorization", "Bearer " + token)
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, String> with(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void perAddressAndGlobalCapsRefuseAtOnceAndGiveSlotsBack(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, with("limits.max_connections_per_ip", "2",
                "limits.max_connections", "4", "metrics.listen", "127.0.0.1:0"))) {
            List<Sv1TestClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Sv1TestClient c = from(pool, "127.0.0.2");
                    assertTrue(c.call("mining.subscribe", "[]").path("error").isNull());
                    open.add(c);
                }
                assertFalse(admitted(pool, "127.0.0.2"), "a third connection from 127.0.0.2 is over the per-IP cap");
                for (int i = 0; i < 2; i++) {
                    Sv1TestClient c = from(pool, "127.0.0.3");
                    assertTrue(c.call("mining.subscribe", "[]").path("error").isNull(), "another address still gets in");
                    open.add(c);
                }
                assertFalse(admitted(pool, "127.0.0.4"), "a fifth connection is over the global cap, whatever its address");
                open.remove(0).close();
                PoolHarness.await(Duration.ofSeconds(10), () -> pool.pool().sv1().orElseThrow().connectionCount() == 3,
                        "the pool saw the close");
                assertTrue(admitted(pool, "127.0.0.4"), "a closed connection gives its slot back");
                String m = metrics(pool);
                assertTrue(m.contains("templar_connections_refused_total{protocol=\"sv1\",reason=\"per_ip_cap\",} 1.0"), m);
                assertTrue(m.contains("templar_connections_refused_total{protocol=\"sv1\",reason=\"global_cap\",} 1.0"), m);
            } finally {
                for (Sv1TestClient c : open) {
                    c.close();
                }
            }
        }
    }

    /** True if the pool keeps a raw connection from {@code local} open (waiting for a handshake), false if it resets it. */
    private static boolean heldOpen(InetSocketAddress to, String local, List<Socket> keep) throws IOException {
        Socket s = new Socket();
        keep.add(s);
        s.bind(new InetSocketAddress(ip(local), 0));
        try {
            s.connect(to, 5000);
            s.setSoTimeout(1500);
            return s.getInputStream().read() >= 0;
        } catch (java.net.SocketTimeoutException waiting) {
            return true;
        } catch (java.net.SocketException reset) {
            return false;
        }
    }

    @Test
    void theCapsAreSharedByTheSv1TlsAndSv2Listeners(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, with("limits.max_connections_per_ip", "2", "sv1.tls_listen", "127.0.0.1:0",
                "sv2.listen", "127.0.0.1:0", "sv2.authority_key_file", dir.resolve("authority.key").toString(),
                "metrics.listen", "127.0.0.1:0"))) {
            InetSocketAddress sv2 = pool.pool().sv2Address();
            InetSocketAddress tls = pool.pool().sv1TlsAddress();
            List<Socket> keep = new ArrayList<>();
            try {
                assertTrue(heldOpen(sv2, "127.0.0.5", keep), "an SV2 connection waits for its Noise handshake");
                assertTrue(heldOpen(tls, "127.0.0.5", keep), "a TLS connection waits for its handshake");
                assertFalse(heldOpen(sv2, "127.0.0.5", keep), "a third from the same address is reset, before any handshake");
                assertFalse(heldOpen(tls, "127.0.0.5", keep));
                assertFalse(admitted(pool, "127.0.0.5"), "on every listener");
                assertTrue(heldOpen(sv2, "127.0.0.6", keep), "another address is not affected");
            } finally {
                for (Socket s : keep) {
                    s.close();
                }
            }
            String m = metrics(pool);
            assertTrue(m.contains("templar_connections_refused_total{protocol=\"sv2\",reason=\"per_ip_cap\",} 1.0"), m);
            assertTrue(m.contains("templar_connections_refused_total{protocol=\"sv1\",reason=\"per_ip_cap\",} 2.0"), m);
        }
    }

    @Test
    void setupAndIdleDeadlinesCloseSilentAndTricklingClientsWhileAMinerMines(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, with("sv1.setup_timeout_seconds", "2", "sv1.idle_timeout_seconds", "4",
                // a share every half second or so on one CPU thread, well inside the idle deadline; pinned,
                // since vardiff would raise it (every share is a block here) until a loaded machine's miner
                // needed longer than the deadline for one (seen in CI: 0.0016, then no share for 5 s)
                "vardiff.initial", "0.0001", "vardiff.maximum", "0.0001", "metrics.listen", "127.0.0.1:0"))) {
            String address = SoloAndPoolMiningTest.newAddress();
            try (CpuMiner honest = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, address + ".honest").withMaxReconnects(0))) {
                assertTrue(honest.awaitAccepted(1, Duration.ofSeconds(30)), "the honest miner mines");
                String honestConnection = honestConnection(pool);
                checkDeadlines(pool, address, honest);
                assertEquals(honestConnection, honestConnection(pool), "the honest miner was never disconnected");
            }
            String m = metrics(pool);
            assertTrue(m.contains("templar_connection_timeouts_total{protocol=\"sv1\",deadline=\"setup\",} 2.0"), m);
            assertTrue(m.contains("templar_connection_timeouts_total{protocol=\"sv1\",deadline=\"idle\",} 1.0"), m);
        }
    }

    private static String honestConnection(PoolHarness pool) {
        return pool.pool().sv1().orElseThrow().sessions().stream()
                .filter(s -> s.worker().map(w -> w.username().endsWith(".honest")).orElse(false))
                .map(s -> s.connectionId()).findFirst().orElse("none");
    }

    private static void checkDeadlines(PoolHarness pool, String address, CpuMiner honest) throws Exception {
        try (Sv1TestClient silent = from(pool, "127.0.0.2");
                Sv1TestClient subscribedOnly = from(pool, "127.0.0.3");
                Sv1TestClient trickler = from(pool, "127.0.0.4")) {
            long connected = System.nanoTime();
            assertTrue(subscribedOnly.call("mining.subscribe", "[]").path("error").isNull());
            setUp(trickler, address + ".trickler");
            long lastWholeLine = System.nanoTime();

            // one byte every 200 ms, never a whole line: the idle timer is not reset by bytes
            CompletableFuture<Long> closedAt = CompletableFuture.supplyAsync(() -> {
                try {
                    InputStream in = trickler.socketInput();
                    while (in.read() >= 0) {
                        // notifications, until the pool closes
                    }
                } catch (IOException reset) {
                    // closed too
                }
                return System.nanoTime();
            });
            OutputStream out = trickler.socketOutput();
            byte[] partial = "{\"id\":9,\"method\":\"mining.suggest_difficulty\",\"params\":[1]}".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 100 && !closedAt.isDone(); i++) { // bounded: 20 s at most
                try {
                    out.write(partial[i % partial.length]);
                    out.flush();
                } catch (IOException closed) {
                    break;
                }
                Thread.sleep(200);
            }
            double seconds = (closedAt.get(10, TimeUnit.SECONDS) - lastWholeLine) / 1e9;
            assertTrue(seconds >= 3.5 && seconds <= 9, "closed by the 4 s idle deadline while trickling, after " + seconds + " s");

            assertTrue(silent.closedByPeer(), "a client that never subscribes is closed by the setup deadline");
            assertTrue(subscribedOnly.closedByPeer(), "subscribing without authorizing is not enough");
            assertTrue(System.nanoTime() - connected < TimeUnit.SECONDS.toNanos(12));

            long before = honest.snapshot().accepted();
            assertTrue(honest.awaitAccepted(before + 1, Duration.ofSeconds(30)), "the honest miner keeps mining");
            assertTrue(honest.isConnected());
        }
    }

    @Test
    void automaticBansForProtocolErrorsAuthFailuresAndInvalidSharesLeaveTheHonestMinerAlone(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, with("bans.enabled", "true", "bans.max_protocol_errors", "5", "bans.max_auth_failures", "3",
                "bans.min_shares", "10", "bans.max_invalid_percent", "50", "bans.auto_ban_seconds", "300",
                "metrics.listen", "127.0.0.1:0", "admin.listen", "127.0.0.1:0"))) {
            String address = SoloAndPoolMiningTest.newAddress();
            try (Sv1TestClient honest = from(pool, "127.0.0.1")) {
                setUp(honest, address + ".honest");

                // garbage instead of JSON
                try (Sv1TestClient garbage = from(pool, "127.0.0.2")) {
                    for (int i = 0; i < 5; i++) {
                        garbage.sendRaw("this is not json " + i + "\n");
                    }
                    assertTrue(garbage.closedByPeer(), "closed once banned");
                }
                assertFalse(admitted(pool, "127.0.0.2"), "and refused when it comes back");

                // guessing usernames
                try (Sv1TestClient guesser = from(pool, "127.0.0.3")) {
                    assertTrue(guesser.call("mining.subscribe", "[]").path("error").isNull());
                    for (int i = 0; i < 3; i++) {
                        try {
                            guesser.call("mining.authorize", "[\"not-an-address-" + i + "\",\"x\"]");
                        } catch (IOException closed) {
                            break;
                        }
                    }
                    assertTrue(guesser.closedByPeer());
                }
                assertFalse(admitted(pool, "127.0.0.3"));

                // shares that are all below the share target (random nonces)
                try (Sv1TestClient cheat = from(pool, "127.0.0.4")) {
                    setUp(cheat, address + ".cheat");
                    JsonNode notify = cheat.awaitNotification("mining.notify");
                    String jobId = notify.get("params").get(0).asText();
                    // an ntime long before the template's: refused before any hashing (on regtest a random
                    // nonce would as likely be a block as not)
                    for (int i = 0; i < 10; i++) {
                        try {
                            cheat.call("mining.submit", "[\"" + address + ".cheat\",\"" + jobId + "\",\"0000000" + i
                                    + "\",\"00000001\",\"" + String.format("%08x", 0x10000000 + i) + "\"]");
                        } catch (IOException closed) {
                            break;
                        }
                    }
                    assertTrue(cheat.closedByPeer());
                }
                assertFalse(admitted(pool, "127.0.0.4"));

                assertTrue(honest.call("mining.suggest_difficulty", "[0.001]").path("result").asBoolean(),
                        "the honest miner on 127.0.0.1 is still served");
                assertTrue(admitted(pool, "127.0.0.1"));
            }
            String m = metrics(pool);
            for (String reason : new String[] {"protocol_errors", "auth_failures", "invalid_shares"}) {
                assertTrue(m.contains("templar_auto_bans_total{reason=\"" + reason + "\",} 1.0"), reason + ": " + m);
            }
            JsonNode bans = JSON.readTree(admin(pool, dir, "GET", "/api/bans").body());
            assertEquals(3, bans.size(), bans.toString());
            for (JsonNode b : bans) {
                assertEquals("automatic", b.get("source").asText());
                assertFalse(b.get("reason").asText().isBlank());
            }
        }
    }

    @Test
    void sv2ConnectionsSendingGarbageAfterTheHandshakeGetTheirAddressBanned(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, with("bans.enabled", "true", "bans.max_protocol_errors", "3", "sv2.listen", "127.0.0.1:0",
                "sv2.authority_key_file", dir.resolve("authority.key").toString(), "metrics.listen", "127.0.0.1:0"))) {
            InetSocketAddress sv2 = pool.pool().sv2Address();
            java.util.Random random = new java.util.Random(7);
            for (int i = 0; i < 3; i++) {
                try (Socket s = new Socket()) {
                    s.bind(new InetSocketAddress(ip("127.0.0.2"), 0));
                    s.connect(sv2, 5000);
                    s.setSoTimeout(10_000);
                    byte[] act1 = new byte[64]; // any 64 bytes are an ElligatorSwift key: the handshake goes on
                    random.nextBytes(act1);
                    byte[] frame = new byte[2 + 48]; // then a transport frame whose MAC cannot verify
                    frame[0] = 48;
                    for (int k = 2; k < frame.length; k++) {
                        frame[k] = (byte) random.nextInt();
                    }
                    s.getOutputStream().write(act1);
                    s.getOutputStream().write(frame);
                    s.getOutputStream().flush();
                    try {
                        while (s.getInputStream().read() >= 0) {
                            // the pool's handshake answer, then the close
                        }
                    } catch (java.net.SocketException reset) {
                        // closed as well
                    }
                }
            }
            List<Socket> keep = new ArrayList<>();
            try {
                assertFalse(heldOpen(sv2, "127.0.0.2", keep), "banned after 3 garbage connections");
                assertTrue(heldOpen(sv2, "127.0.0.3", keep), "another address is not");
            } finally {
                for (Socket s : keep) {
                    s.close();
                }
            }
            assertTrue(metrics(pool).contains("templar_auto_bans_total{reason=\"protocol_errors\",} 1.0"));
        }
    }

    @Test
    void operatorBansWithRangesAndReasonsSurviveARestart(@TempDir Path dir) throws Exception {
        Map<String, String> cfg = with("admin.listen", "127.0.0.1:0");
        try (PoolHarness pool = PoolHarness.start(dir, cfg)) {
            HttpResponse<String> r = admin(pool, dir, "POST", "/api/ban?ip=127.0.0.8/29&for=2h&reason=botnet");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("127.0.0.8/29", JSON.readTree(r.body()).get("ip").asText());
            assertTrue(JSON.readTree(r.body()).get("persisted").asBoolean());
            assertEquals(200, admin(pool, dir, "POST", "/api/ban?ip=127.0.0.2&for=10m").statusCode());
            assertEquals(200, admin(pool, dir, "POST", "/api/ban?ip=2001:db8::/32&for=1d&reason=v6").statusCode());
            for (String bad : new String[] {"/api/ban?ip=127.0.0.0/33", "/api/ban?ip=pool.example", "/api/ban?ip=10.0.0.1&for=5y",
                    "/api/ban?ip=10.0.0.1&for=0s", "/api/ban?ip=10.0.0.1&for=1m&minutes=1"}) {
                HttpResponse<String> refused = admin(pool, dir, "POST", bad);
                assertEquals(400, refused.statusCode(), bad + ": " + refused.body());
                String param = bad.contains("minutes") || bad.contains("for=") ? "for" : "ip";
                assertTrue(refused.body().contains("parameter '" + param + "'"), refused.body());
            }
            assertFalse(admitted(pool, "127.0.0.9"), "inside the /29");
            assertFalse(admitted(pool, "127.0.0.2"));
        }
        try (PoolHarness again = PoolHarness.start(dir, cfg)) {
            assertFalse(admitted(again, "127.0.0.9"), "the range ban outlived the restart");
            assertFalse(admitted(again, "127.0.0.15"));
            assertFalse(admitted(again, "127.0.0.2"), "and so did the address ban");
            assertTrue(admitted(again, "127.0.0.16"), "just outside the range");
            JsonNode bans = JSON.readTree(admin(again, dir, "GET", "/api/bans").body());
            assertEquals(3, bans.size(), bans.toString());
            JsonNode range = null;
            for (JsonNode b : bans) {
                if (b.get("ip").asText().equals("127.0.0.8/29")) {
                    range = b;
                }
            }
            assertNotNull(range, bans.toString());
            assertEquals("botnet", range.get("reason").asText());
            assertEquals("operator", range.get("source").asText());
            HttpResponse<String> unban = admin(again, dir, "POST", "/api/unban?ip=127.0.0.8/29");
            assertTrue(JSON.readTree(unban.body()).get("was_banned").asBoolean(), unban.body());
            assertTrue(admitted(again, "127.0.0.9"));
        }
        try (PoolHarness third = PoolHarness.start(dir, cfg)) {
            assertTrue(admitted(third, "127.0.0.9"), "the unban was persisted too");
            assertFalse(admitted(third, "127.0.0.2"));
        }
    }

    @Test
    void aKickedWorkerIsNotBackWithinASecond(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, with("admin.listen", "127.0.0.1:0", "bans.kick_ban_seconds", "60"))) {
            String address = SoloAndPoolMiningTest.newAddress();
            try (Sv1TestClient kicked = from(pool, "127.0.0.5"); Sv1TestClient other = from(pool, "127.0.0.6")) {
                setUp(kicked, address + ".kicked");
                setUp(other, address + ".other");
                HttpResponse<String> r = admin(pool, dir, "POST", "/api/kick?worker=" + address + ".kicked");
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(1, JSON.readTree(r.body()).get("disconnected").asInt());
                assertEquals("127.0.0.5", JSON.readTree(r.body()).get("banned").get(0).asText());
                assertTrue(kicked.closedByPeer());
                assertFalse(admitted(pool, "127.0.0.5"), "reconnecting at once is refused");
                assertTrue(other.call("mining.suggest_difficulty", "[0.001]").path("result").asBoolean(), "the other worker stays");
            }
            JsonNode bans = JSON.readTree(admin(pool, dir, "GET", "/api/bans").body());
            assertEquals("kicked worker " + address + ".kicked", bans.get(0).get("reason").asText());
        }
    }

    @Test
    void aConnectionFloodWritesABoundedNumberOfOperatorLines(@TempDir Path dir) throws Exception {
        ch.qos.logback.classic.Logger operators = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(org.templar.pool.core.OperatorLog.LOGGER);
        java.util.Queue<String> list = new java.util.concurrent.ConcurrentLinkedQueue<>();
        ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> lines = new ch.qos.logback.core.AppenderBase<>() {
            @Override
            protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
                list.add(e.getFormattedMessage());
            }
        };
        lines.start();
        operators.addAppender(lines);
        try (PoolHarness pool = PoolHarness.start(dir, with("log.max_lines_per_second", "5"))) {
            int before = list.size();
            long start = System.nanoTime();
            int flood = 300;
            for (int i = 0; i < flood; i++) {
                try (Socket s = new Socket()) {
                    s.bind(new InetSocketAddress(ip("127.0.0.7"), 0));
                    s.connect(pool.sv1(), 5000);
                }
            }
            PoolHarness.await(Duration.ofSeconds(20), () -> pool.pool().sv1().orElseThrow().connectionCount() == 0,
                    "every flood connection closed");
            // what was dropped is counted, by the next line that passes or the periodic flush
            PoolHarness.await(Duration.ofSeconds(20), () -> list.stream()
                    .anyMatch(e -> e.contains("suppressed")), "a 'suppressed' line");
            double seconds = (System.nanoTime() - start) / 1e9;
            int logged = list.size() - before;
            // a burst of 5, then 5 a second, plus "suppressed" lines (at most one per line that passes)
            assertTrue(logged <= 2 * (5 + 5 * Math.ceil(seconds)), logged + " lines in " + seconds + " s for " + flood * 2 + " events");
        } finally {
            operators.detachAppender(lines);
        }
    }
}
