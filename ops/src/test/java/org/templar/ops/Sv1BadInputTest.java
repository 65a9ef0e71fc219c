package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and broken input against the real SV1 listener: each gets a clear error or a closed
 * connection, and the pool keeps serving everyone else (checked after each case).
 */
@Timeout(180)
class Sv1BadInputTest {
    @TempDir
    static Path dir;
    static PoolHarness pool;

    @BeforeAll
    static void start() throws Exception {
        pool = PoolHarness.start(dir, Map.of());
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    /** The pool still answers a well-behaved miner. */
    static void poolStillServes() throws Exception {
        try (Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            JsonNode r = c.call("mining.subscribe", "[\"after\"]");
            assertTrue(r.get("error").isNull());
            assertEquals(8, r.get("result").get(1).asText().length());
        }
    }

    @Test
    void garbageBytesAndInvalidJsonGetParseErrorsOnAnOpenConnection() throws Exception {
        try (Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            byte[] garbage = new byte[300];
            new Random(1).nextBytes(garbage);
            for (int i = 0; i < garbage.length; i++) {
                if (garbage[i] == '\n') {
                    garbage[i] = 'x';
                }
            }
            c.sendRaw(garbage);
            c.sendRaw("\n");
            JsonNode e1 = c.read();
            assertEquals(-32700, e1.get("error").get(0).asInt());
            c.sendRaw("{\"id\": 5, \"method\": \"mining.subscribe\", \"params\": [\n");
            assertEquals(-32700, c.read().get("error").get(0).asInt());
            c.sendRaw("[\"not\",\"an\",\"object\"]\n");
            assertEquals(-32600, c.read().get("error").get(0).asInt());
            // still usable after all that
            assertTrue(c.call("mining.subscribe", "[]").get("error").isNull());
        }
        poolStillServes();
    }

    @Test
    void wrongTypesCountsAndUnknownMethodsAreAnsweredWithErrors() throws Exception {
        try (Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            assertEquals(-32601, c.call("mining.frobnicate", "[]").get("error").get(0).asInt());
            assertEquals(20, c.call("mining.authorize", "[12345]").get("error").get(0).asInt());
            assertEquals(20, c.call("mining.suggest_difficulty", "[\"lots\"]").get("error").get(0).asInt());
            assertEquals(20, c.call("mining.submit", "[\"a\",\"b\"]").get("error").get(0).asInt());
            assertEquals(20, c.call("mining.submit", "[1,2,3,4,5]").get("error").get(0).asInt());
            JsonNode r = c.call("mining.configure", "[\"version-rolling\", 7]");
            assertEquals(20, r.get("error").get(0).asInt());
        }
        poolStillServes();
    }

    @Test
    void workerNamesPerConnectionAreBounded() throws Exception {
        String address = SoloAndPoolMiningTest.newAddress();
        try (Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            c.call("mining.subscribe", "[]");
            for (int i = 0; i < 1024; i++) {
                assertTrue(c.call("mining.authorize", "[\"" + address + ".w" + i + "\",\"x\"]").get("result").asBoolean());
            }
            JsonNode refused = c.call("mining.authorize", "[\"" + address + ".one-too-many\",\"x\"]");
            assertEquals(24, refused.get("error").get(0).asInt());
            assertTrue(c.call("mining.authorize", "[\"" + address + ".w7\",\"x\"]").get("result").asBoolean(),
                    "a known name may authorize again");
        }
        poolStillServes();
    }

    @Test
    void overlongLineIsRefusedAndTheConnectionClosed() throws Exception {
        try (Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            c.sendRaw("{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"" + "a".repeat(20_000) + "\"]}\n");
            JsonNode r = c.read();
            assertEquals(-32600, r.get("error").get(0).asInt());
            assertTrue(r.get("error").get(1).asText().contains("too long"), r.toString());
            assertTrue(c.closedByPeer());
        }
        poolStillServes();
    }

    @Test
    void endlessLineWithoutNewlineIsCutOff() throws Exception {
        try (Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            byte[] chunk = "x".repeat(4096).getBytes();
            try {
                for (int i = 0; i < 64; i++) { // 256 KiB, never a newline
                    c.sendRaw(chunk);
                }
            } catch (IOException closedWhileWriting) {
                // the pool may close before we finish writing: that is the point
            }
            assertTrue(c.closedByPeer());
        }
        poolStillServes();
    }

    @Test
    void tooManyProtocolErrorsCloseTheConnection() throws Exception {
        try (Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            for (int i = 0; i < 25; i++) {
                try {
                    c.sendRaw("nonsense " + i + "\n");
                } catch (IOException closed) {
                    break;
                }
            }
            assertTrue(c.closedByPeer());
        }
        poolStillServes();
    }

    @Test
    void thousandsOfConnectionsOpenedAndDroppedLeaveThePoolHealthy() throws Exception {
        int total = 3000;
        ExecutorService ex = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                final int n = i;
                futures.add(ex.submit(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(pool.sv1(), 5000);
                        if (n % 3 == 0) {
                            s.getOutputStream().write("{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[]}\n".getBytes());
                        } else if (n % 3 == 1) {
                            s.getOutputStream().write("{\"id\":1,\"meth".getBytes()); // dropped mid-line
                        }
                        if (n % 2 == 0) {
                            s.setSoLinger(true, 0); // RST instead of FIN
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            ex.shutdownNow();
        }
        PoolHarness.await(Duration.ofSeconds(30), () -> pool.pool().sv1().orElseThrow().connectionCount() == 0,
                "every dropped connection is cleaned up");
        PoolHarness.await(Duration.ofSeconds(10), () -> pool.pool().context().extranonces().liveCount() == 0,
                "every extranonce1 is released");
        poolStillServes();
    }
}
