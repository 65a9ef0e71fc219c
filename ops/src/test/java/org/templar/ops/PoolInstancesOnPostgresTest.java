package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;
import org.templar.payout.PoolInstances;
import org.templar.pool.core.ExtranonceAllocator;
import org.templar.share.ExtranoncePrefix;
import org.templar.share.Hex;

/**
 * Two whole pools (each with its embedded node) on one PostgreSQL ledger, as `templar run` twice
 * against one database_url: distinct instance numbers, disjoint extranonce1 values for their SV1
 * miners, and block tracking on exactly one of them, moving to the other when it stops.
 */
@EnabledIfEnvironmentVariable(named = "TEMPLAR_TEST_POSTGRES_URL", matches = "jdbc:postgresql:.+")
@Timeout(180)
class PoolInstancesOnPostgresTest {
    private static final String URL = System.getenv("TEMPLAR_TEST_POSTGRES_URL");
    private static final String USER = System.getenv("TEMPLAR_TEST_POSTGRES_USER");
    private static final String PASSWORD = System.getenv("TEMPLAR_TEST_POSTGRES_PASSWORD");
    private static final int CONNECTIONS_EACH = 1000;

    @Test
    void twoInstancesOnOneDatabaseNeverShareAnExtranonce1AndHandOverBlockTracking(@TempDir Path dir) throws Exception {
        String schema = "instances" + ProcessHandle.current().pid();
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("CREATE SCHEMA " + schema);
        }
        Map<String, String> db = Map.of("database.url", URL + "?currentSchema=" + schema, "database.user", USER,
                "database.password", PASSWORD);
        PoolHarness a = PoolHarness.start(Files.createDirectories(dir.resolve("a")), db);
        boolean aClosed = false;
        try (PoolHarness b = PoolHarness.start(Files.createDirectories(dir.resolve("b")), db)) {
            int na = a.pool().instance().number();
            int nb = b.pool().instance().number();
            assertNotEquals(na, nb, "each instance claims its own number");
            assertTrue(a.pool().instance().isLeader(), "the first one started leads block tracking");
            assertFalse(b.pool().instance().isLeader());

            // many miners on both at once: every extranonce1 differs and carries its instance's number
            Set<String> seen = new HashSet<>();
            List<Sv1TestClient> open = new ArrayList<>();
            byte[] fromA = null;
            try {
                for (int i = 0; i < CONNECTIONS_EACH; i++) {
                    for (PoolHarness p : List.of(a, b)) {
                        Sv1TestClient c = new Sv1TestClient(p.sv1());
                        open.add(c);
                        byte[] e1 = Hex.decode(c.call("mining.subscribe", "[\"x\"]").get("result").get(1).asText());
                        assertEquals(p.pool().instance().number(), ExtranonceAllocator.instanceOf(ExtranoncePrefix.of(e1)));
                        assertTrue(seen.add(Hex.encode(e1)), "extranonce1 " + Hex.encode(e1) + " handed out twice");
                        if (p == a && fromA == null) {
                            fromA = e1;
                        }
                    }
                }
                assertEquals(2 * CONNECTIONS_EACH, seen.size());
                // a miner moving from a to b asks b for a's value back: b must not give it
                try (Sv1TestClient mover = new Sv1TestClient(b.sv1())) {
                    byte[] got = Hex.decode(mover.call("mining.subscribe", "[\"x\",\"" + Hex.encode(fromA) + "\"]")
                            .get("result").get(1).asText());
                    assertEquals(nb, ExtranonceAllocator.instanceOf(ExtranoncePrefix.of(got)));
                    assertFalse(seen.contains(Hex.encode(got)));
                }
            } finally {
                for (Sv1TestClient c : open) {
                    c.close();
                }
            }

            // both rows are in the shared database
            try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM " + schema + ".pool_instances")) {
                rs.next();
                assertEquals(2, rs.getInt(1));
            }

            a.close(); // the leader stops: b runs block tracking within one renewal
            aClosed = true;
            PoolHarness.await(PoolInstances.DEFAULT_LEASE, () -> b.pool().instance().isLeader(),
                    "the second instance takes over block tracking");
            // and a new instance gets a's number back at once (a released it on a clean stop)
            try (PoolHarness again = PoolHarness.start(Files.createDirectories(dir.resolve("again")), db)) {
                assertEquals(na, again.pool().instance().number());
                assertFalse(again.pool().instance().isLeader());
            }
        } finally {
            if (!aClosed) {
                a.close();
            }
        }
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }
}
