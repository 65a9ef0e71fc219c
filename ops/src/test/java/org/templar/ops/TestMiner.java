package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.templar.share.Hex;

/** A raw SV1 client that has configured (optionally), subscribed, authorized and received its first job. */
record TestMiner(Sv1TestClient client, byte[] extranonce1, NotifiedJob job, double difficulty) {
    static TestMiner connect(PoolHarness pool, String address, boolean configure, Double suggest) throws Exception {
        Sv1TestClient c = new Sv1TestClient(pool.sv1());
        if (configure) {
            JsonNode r = c.call("mining.configure", "[[\"version-rolling\"],{\"version-rolling.mask\":\"ffffffff\","
                    + "\"version-rolling.min-bit-count\":16}]");
            assertTrue(r.get("result").get("version-rolling").asBoolean());
            assertEquals("1fffe000", r.get("result").get("version-rolling.mask").asText());
        }
        if (suggest != null) {
            c.call("mining.suggest_difficulty", "[" + suggest + "]");
        }
        JsonNode sub = c.call("mining.subscribe", "[\"test/1.0\"]");
        byte[] en1 = Hex.decode(sub.get("result").get(1).asText());
        assertEquals(4, sub.get("result").get(2).asInt());
        JsonNode auth = c.call("mining.authorize", "[\"" + address + ".t\",\"x\"]");
        assertTrue(auth.get("result").asBoolean(), auth.toString());
        assertTrue(auth.get("error").isNull());
        double diff = c.awaitNotification("mining.set_difficulty").get("params").get(0).asDouble();
        JsonNode notify = c.awaitNotification("mining.notify");
        return new TestMiner(c, en1, new NotifiedJob(notify, en1, 4), diff);
    }
}
