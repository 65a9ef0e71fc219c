package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.share.Hex;

/**
 * Issue 7, faults: a database that stalls. Shares the ledger cannot take yet wait in a bounded queue;
 * past it the miner is answered at once "not recorded, pool busy: please resend" (memory stays
 * bounded), the waiting ones are answered when the database moves again, and a share resent after a
 * busy answer is credited (it must not be refused as a duplicate of itself). In the end the ledger
 * holds every share exactly once.
 */
@Timeout(120)
class LedgerStallTest {
    private static final int QUEUE = 20;
    private static final int SHARES = 80;

    @AfterEach
    void release() {
        StallTrigger.release();
    }

    private static void sql(PoolHarness pool, String statement) throws Exception {
        try (Connection c = pool.pool().ledger().dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    @Test
    void aStalledDatabaseGivesBusyAnswersAndEveryResentShareCountsOnce(@TempDir Path dir) throws Exception {
        String address = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("vardiff.minimum", "1e-12",
                "database.queue_capacity", String.valueOf(QUEUE)))) {
            TestMiner m = TestMiner.connect(pool, address, false, 1e-11);
            try (Sv1TestClient c = m.client()) {
                long before = pool.pool().ledger().shareCount();
                Map<Integer, String> submits = new HashMap<>();
                for (int i = 0; i < SHARES; i++) {
                    byte[] en2 = Hex.decode(String.format("%08x", 0x1000 + i));
                    NotifiedJob.Found f = m.job().find(en2, m.job().version, NotifiedJob.targetOf(1e-11), true, false);
                    submits.put(1000 + i, m.job().submitParams(address + ".t", en2, f.nonce(), null));
                }
                StallTrigger.stall();
                sql(pool, "CREATE TRIGGER stall BEFORE INSERT ON shares FOR EACH ROW CALL '"
                        + StallTrigger.class.getName() + "'");
                StringBuilder burst = new StringBuilder();
                submits.forEach((id, params) -> burst.append("{\"id\":").append(id)
                        .append(",\"method\":\"mining.submit\",\"params\":").append(params).append("}\n"));
                c.sendRaw(burst.toString());

                // While the database stalls, only "busy" answers come, and they come at once.
                List<Integer> busy = new ArrayList<>();
                for (JsonNode r; (r = c.readWithin(Duration.ofSeconds(3))) != null;) {
                    if (r.has("method")) {
                        continue;
                    }
                    assertTrue(r.path("result").isNull() && r.path("error").get(1).asText().contains("busy"), r.toString());
                    busy.add(r.get("id").asInt());
                }
                // the writer holds one batch (none when the burst filled the queue before it woke, up to a
                // whole queue's worth taken just before the stall bit) and the queue refills behind it:
                // everything beyond those is refused busy
                assertTrue(busy.size() >= SHARES - 2 * QUEUE && busy.size() <= SHARES - QUEUE,
                        "all but the queue and the writer's stuck batch are refused busy: " + busy.size());
                assertTrue(pool.pool().ledger().queueDepth() <= QUEUE, "waiting shares are bounded");

                // The database moves again: every waiting share is answered accepted.
                StallTrigger.release();
                int waiting = SHARES - busy.size();
                for (int answered = 0; answered < waiting;) {
                    JsonNode r = c.read();
                    if (r.has("method")) {
                        continue;
                    }
                    assertTrue(r.path("result").asBoolean(), r.toString());
                    answered++;
                }
                // Resent as the answer asks: credited now, not refused as a duplicate of itself.
                for (int id : busy) {
                    JsonNode r = c.call("mining.submit", submits.get(id));
                    assertTrue(r.path("result").asBoolean(), "resent share " + id + ": " + r);
                }
                assertEquals(before + SHARES, pool.pool().ledger().shareCount(), "every share recorded exactly once");
                JsonNode again = c.call("mining.submit", submits.get(busy.get(0)));
                assertEquals(22, again.get("error").get(0).asInt(), "once credited, a resend is a duplicate: " + again);
            }
        }
    }
}
