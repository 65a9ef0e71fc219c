package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.share.Hex;

/**
 * When the ledger cannot write (disk full, database gone: simulated by taking the shares table away),
 * the miner is told its share was not recorded — never "accepted" for a share the pool lost — and
 * mining recovers when the database does.
 */
@Timeout(120)
class LedgerFailureTest {
    private static void sql(PoolHarness pool, String statement) throws Exception {
        try (Connection c = pool.pool().ledger().dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    @Test
    void sharesTheLedgerCannotWriteAreNotAcknowledged(@TempDir Path dir) throws Exception {
        String address = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("vardiff.minimum", "1e-12"))) {
            TestMiner m = TestMiner.connect(pool, address, false, 1e-11);
            try (Sv1TestClient c = m.client()) {
                long before = pool.pool().ledger().shareCount();
                sql(pool, "ALTER TABLE shares RENAME TO shares_unavailable");
                byte[] en2 = Hex.decode("000000aa");
                NotifiedJob.Found f = m.job().find(en2, m.job().version, NotifiedJob.targetOf(1e-11), true, false);
                JsonNode refused = c.call("mining.submit", m.job().submitParams(address + ".t", en2, f.nonce(), null));
                assertEquals(20, refused.get("error").get(0).asInt(), refused.toString());
                assertTrue(refused.get("error").get(1).asText().contains("not recorded"), refused.toString());

                sql(pool, "ALTER TABLE shares_unavailable RENAME TO shares");
                byte[] en2b = Hex.decode("000000bb");
                NotifiedJob.Found g = m.job().find(en2b, m.job().version, NotifiedJob.targetOf(1e-11), true, false);
                JsonNode ok = c.call("mining.submit", m.job().submitParams(address + ".t", en2b, g.nonce(), null));
                assertTrue(ok.get("result").asBoolean(), ok.toString());
                assertEquals(before + 1, pool.pool().ledger().shareCount(), "exactly the acknowledged share is recorded");
            }
        }
    }
}
