package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.payout.BlockStatus;
import org.templar.share.Hex;

/** A block solved on an old tip is STALE everywhere: in the ledger, the metric, the API and the CLI. */
@Timeout(90)
class BlockStatusMetricTest {
    @Test
    void aStaleBlockCountsAsStaleInTheMetricAndTheCli(@TempDir Path dir) throws Exception {
        String address = SoloAndPoolMiningTest.newAddress();
        Map<String, String> cfg = Map.of("vardiff.minimum", "1e-12", "metrics.listen", "127.0.0.1:0",
                "admin.listen", "127.0.0.1:0");
        try (PoolHarness pool = PoolHarness.start(dir, cfg)) {
            TestMiner m = TestMiner.connect(pool, address, false, 1e-11);
            String hash;
            try (Sv1TestClient c = m.client()) {
                pool.pool().embeddedNode().orElseThrow().generateToAddress(1, address); // someone else wins the height
                JsonNode clean = c.awaitNotification("mining.notify");
                while (!clean.get("params").get(8).asBoolean()) {
                    clean = c.awaitNotification("mining.notify");
                }
                byte[] en2 = Hex.decode("00000006");
                NotifiedJob.Found f = m.job().find(en2, m.job().version, NotifiedJob.targetOf(1e-11), true, true);
                c.call("mining.submit", m.job().submitParams(address + ".t", en2, f.nonce(), null));
                hash = Hex.encode(Hex.reverse(f.hash()));
            }
            PoolHarness.await(Duration.ofSeconds(20), () -> pool.pool().ledger().blockByHash(hash)
                    .map(b -> b.status() == BlockStatus.STALE).orElse(false), "the solve is recorded as stale");

            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + pool.running.metrics().address().getPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("templar_blocks_found_total{status=\"stale\",} 1.0"), metrics);
            assertFalse(metrics.contains("templar_blocks_found_total{status=\"rejected\","), metrics);
            assertTrue(metrics.contains("templar_blocks{status=\"stale\",} 1.0"), metrics);
            assertTrue(metrics.contains("templar_blocks{status=\"rejected\",} 0.0"), metrics);

            String[] admin = {"--admin-url", "http://127.0.0.1:" + pool.running.admin().address().getPort(),
                "--token-file", dir.resolve("admin.token").toString()};
            CliTest.Result blocks = CliTest.run(concat(new String[] {"blocks", "--json"}, admin));
            assertEquals(0, blocks.code(), blocks.err());
            JsonNode listed = new ObjectMapper().readTree(blocks.out());
            assertEquals(1, listed.size(), blocks.out());
            assertEquals("STALE", listed.get(0).get("status").asText());
            CliTest.Result status = CliTest.run(concat(new String[] {"status"}, admin));
            assertEquals(0, status.code(), status.err());
            assertTrue(status.out().contains("blocks: 1 stale"), status.out());
        }
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
