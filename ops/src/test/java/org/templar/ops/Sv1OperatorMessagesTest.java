package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.SegwitAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the pool tells miners on its own: reconnect on shutdown, a message when it cannot serve them. */
@Timeout(60)
class Sv1OperatorMessagesTest {
    @Test
    void gracefulShutdownAsksMinersToReconnect(@TempDir Path dir) throws Exception {
        String address = SoloAndPoolMiningTest.newAddress();
        PoolHarness pool = PoolHarness.start(dir, Map.of());
        TestMiner m = TestMiner.connect(pool, address, false, null);
        try (Sv1TestClient c = m.client()) {
            int port = pool.sv1().getPort();
            pool.close();
            JsonNode reconnect = c.awaitNotification("client.reconnect");
            assertEquals(port, reconnect.get("params").get(1).asInt(), "come back to the same port");
            assertTrue(reconnect.get("params").get(2).asInt() > 0, "after a wait");
        }
    }

    @Test
    void coinbaseOverTheFirmwareCapIsExplainedToTheMiner(@TempDir Path dir) throws Exception {
        // a P2WSH payout plus a long tag does not fit a 200-byte coinbase
        String p2wsh = SegwitAddress.fromProgram(BitcoinNetwork.REGTEST, 0, new byte[32]).toString();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("pool.max_coinbase_size", "200", "pool.tag", "t".repeat(60)));
                Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            c.call("mining.subscribe", "[]");
            JsonNode auth = c.call("mining.authorize", "[\"" + p2wsh + ".big\",\"x\"]");
            assertTrue(auth.get("result").asBoolean());
            JsonNode msg = c.awaitNotification("client.show_message");
            String text = msg.get("params").get(0).asText();
            assertTrue(text.contains("max_coinbase_size"), text);
        }
    }
}
