package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** `templar drain`: no new miners, and the connected ones are asked to reconnect (elsewhere). */
@Timeout(60)
class DrainTest {
    @Test
    void drainStopsAcceptingAndAsksMinersToReconnect(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("admin.listen", "127.0.0.1:0"));
                Sv1TestClient miner = new Sv1TestClient(pool.sv1())) {
            miner.call("mining.subscribe", "[]");
            miner.call("mining.authorize", "[\"" + SoloAndPoolMiningTest.newAddress() + ".d\",\"x\"]");
            miner.awaitNotification("mining.notify");

            CliTest.Result r = CliTest.run("drain", "--admin-url", "http://127.0.0.1:" + pool.running.admin().address().getPort(),
                    "--token-file", dir.resolve("admin.token").toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("asked 1 SV1 and 0 SV2 connection(s) to reconnect"), r.out());

            JsonNode reconnect = miner.awaitNotification("client.reconnect");
            assertEquals("client.reconnect", reconnect.get("method").asText());
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", pool.sv1().getPort()).close(),
                    "no new connections once drained");
        }
    }
}
