package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.pool.core.ExtranonceAllocator;
import org.templar.share.ExtranoncePrefix;
import org.templar.share.Hex;

/** The default, one pool on its embedded H2 ledger: instance 0, the leader, miners served as before. */
@Timeout(90)
class SingleInstanceTest {
    @Test
    void theOnlyInstanceIsNumberZeroAndLeads(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, Map.of())) {
            assertEquals(0, pool.pool().instance().number());
            assertTrue(pool.pool().instance().isLeader(), "a lone instance runs block tracking");
            try (Sv1TestClient one = new Sv1TestClient(pool.sv1()); Sv1TestClient two = new Sv1TestClient(pool.sv1())) {
                byte[] e1 = Hex.decode(one.call("mining.subscribe", "[\"x\"]").get("result").get(1).asText());
                byte[] e2 = Hex.decode(two.call("mining.subscribe", "[\"x\"]").get("result").get(1).asText());
                assertEquals(ExtranonceAllocator.SIZE, e1.length);
                assertEquals(0, ExtranonceAllocator.instanceOf(ExtranoncePrefix.of(e1)));
                assertNotEquals(Hex.encode(e1), Hex.encode(e2));
                assertTrue(one.call("mining.authorize", "[\"" + SoloAndPoolMiningTest.newAddress() + ".w\",\"x\"]")
                        .get("result").asBoolean());
                assertTrue(one.awaitNotification("mining.notify") != null);
            }
        }
    }

    @Test
    void anExplicitInstanceNumberIsUsed(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("pool.instance", "5"));
                Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            assertEquals(5, pool.pool().instance().number());
            byte[] e1 = Hex.decode(c.call("mining.subscribe", "[\"x\"]").get("result").get(1).asText());
            assertEquals(5, ExtranonceAllocator.instanceOf(ExtranoncePrefix.of(e1)));
        }
    }
}
