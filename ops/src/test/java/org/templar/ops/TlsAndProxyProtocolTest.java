package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerTls;
import org.templar.ops.config.ConfigException;
import org.templar.ops.config.ConfigLoader;
import org.templar.payout.BlockStatus;

/** `templar run` with sv1.tls_listen and limits.proxy_protocol_from, driven by the bundled miner and raw sockets. */
@Timeout(150)
class TlsAndProxyProtocolTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void minerFindsABlockOverTlsWithTheSelfSignedCertificatePinned(@TempDir Path dir) throws Exception {
        String address = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("sv1.tls_listen", "127.0.0.1:0"))) {
            Path cert = dir.resolve("sv1-tls.crt");
            assertTrue(Files.exists(cert) && Files.exists(dir.resolve("sv1-tls.key")), "self-signed pair made under data_dir");
            String url = "stratum+ssl://127.0.0.1:" + pool.pool().sv1TlsAddress().getPort();
            try (CpuMiner m = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, address + ".tls").withUrl(url)
                    .withTls(MinerTls.trusting(cert)))) {
                assertTrue(m.awaitBlocks(1, Duration.ofSeconds(90)), "a block over TLS: " + m.snapshot());
            }
            PoolHarness.await(Duration.ofSeconds(20), () -> pool.pool().ledger().recentBlocks(10).stream()
                    .anyMatch(b -> b.status() == BlockStatus.ACCEPTED), "the block accepted by the node");
            assertTrue(SoloAndPoolMiningTest.checkCoinbases(pool, address) >= 1, "the block pays the TLS miner");
        }
    }

    @Test
    void minerWithTheSystemTrustStoreRefusesTheSelfSignedPool(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("sv1.tls_listen", "127.0.0.1:0"))) {
            String url = "stratum+ssl://127.0.0.1:" + pool.pool().sv1TlsAddress().getPort();
            try (CpuMiner m = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, SoloAndPoolMiningTest.newAddress())
                    .withUrl(url).withMaxReconnects(1))) {
                // never silently accepted: the miner gives up after its reconnect budget, no share sent
                assertThrows(Exception.class, () -> m.termination().get(60, java.util.concurrent.TimeUnit.SECONDS));
                assertEquals(0, m.snapshot().accepted());
            }
        }
    }

    @Test
    void tlsKeysMustComeInPairs(@TempDir Path dir) {
        Map<String, String> o = PoolHarness.defaults(dir);
        o.put("sv1.tls_listen", "127.0.0.1:0");
        o.put("sv1.tls_cert_file", dir.resolve("x.crt").toString());
        assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(null, o)).getMessage().contains("sv1.tls_key_file"));
        Map<String, String> bad = PoolHarness.defaults(dir);
        bad.put("limits.proxy_protocol_from", "lb.example");
        assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(null, bad)).getMessage()
                .contains("limits.proxy_protocol_from"));
    }

    private static JsonNode subscribeBehindProxy(Socket s, String minerIp) throws Exception {
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("PROXY TCP4 " + minerIp + " 127.0.0.1 40000 3333\r\n"
                + "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[]}\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        try {
            String line = in.readLine();
            return line == null ? null : new ObjectMapper().readTree(line);
        } catch (SocketException reset) {
            return null;
        }
    }

    private static boolean closedByPeer(Socket s) throws Exception {
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }

    @Test
    void adminBanOfAMinerBehindTheProxyHitsItsRealAddress(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("admin.listen", "127.0.0.1:0",
                "limits.proxy_protocol_from", "127.0.0.1/32"))) {
            String token = Files.readString(dir.resolve("admin.token")).trim();
            String admin = "http://127.0.0.1:" + pool.running.admin().address().getPort();
            try (Socket a = new Socket("127.0.0.1", pool.sv1().getPort());
                    Socket b = new Socket("127.0.0.1", pool.sv1().getPort())) {
                assertTrue(subscribeBehindProxy(a, "203.0.113.5").get("error").isNull());
                assertTrue(subscribeBehindProxy(b, "203.0.113.6").get("error").isNull());
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(admin + "/api/ban?ip=203.0.113.5&minutes=5"))
                        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(1, new ObjectMapper().readTree(r.body()).get("disconnected").asInt(), r.body());
                assertTrue(closedByPeer(a), "the banned miner behind the proxy is dropped");
                assertEquals(1, pool.pool().sv1().orElseThrow().connectionCount(), "its neighbour behind the same proxy stays");
            }
            try (Socket again = new Socket("127.0.0.1", pool.sv1().getPort())) {
                assertNull(subscribeBehindProxy(again, "203.0.113.5"), "refused when it comes back through the proxy");
            }
            try (Socket direct = new Socket("127.0.0.1", pool.sv1().getPort())) {
                direct.setSoTimeout(10_000);
                direct.getOutputStream().write("{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[]}\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(closedByPeer(direct), "the trusted proxy's address must send a header");
            }
        }
    }
}
