package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;
import org.templar.payout.BlockStatus;
import org.templar.client.miner.CpuMiner;

/**
 * The whole pool with its ledger on a real PostgreSQL server (`database.url`), as several pool nodes
 * sharing one ledger would run it. `.ci/run` provides the server (see `.ci/postgres.sh`).
 */
@EnabledIfEnvironmentVariable(named = "TEMPLAR_TEST_POSTGRES_URL", matches = "jdbc:postgresql:.+")
@Timeout(90)
class PoolOnPostgresTest {
    private static final String URL = System.getenv("TEMPLAR_TEST_POSTGRES_URL");
    private static final String USER = System.getenv("TEMPLAR_TEST_POSTGRES_USER");
    private static final String PASSWORD = System.getenv("TEMPLAR_TEST_POSTGRES_PASSWORD");

    @Test
    void minedSharesAndBlocksLandInPostgres(@TempDir Path dir) throws Exception {
        String schema = "pool" + ProcessHandle.current().pid();
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("CREATE SCHEMA " + schema);
        }
        String address = SoloAndPoolMiningTest.newAddress();
        Map<String, String> cfg = Map.of("database.url", URL + "?currentSchema=" + schema, "database.user", USER,
                "database.password", PASSWORD, "database.writers", "3");
        try (PoolHarness pool = PoolHarness.start(dir, cfg);
                CpuMiner miner = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, address + ".pg"))) {
            assertTrue(miner.awaitBlocks(2, Duration.ofSeconds(60)), miner.snapshot().toString());
            assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("templar-ledger-writer-3")),
                    "database.writers = 3 starts three share writers");
            PoolHarness.await(Duration.ofSeconds(20), () -> pool.pool().ledger().recentBlocks(10).stream()
                    .filter(b -> b.status() == BlockStatus.ACCEPTED).count() >= 2, "accepted blocks recorded");
        }
        // read it back straight from PostgreSQL, not through the pool
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            ResultSet shares = s.executeQuery("SELECT count(*), min(worker) FROM " + schema + ".shares");
            shares.next();
            assertTrue(shares.getLong(1) >= 2);
            assertEquals(address + ".pg", shares.getString(2));
            ResultSet blocks = s.executeQuery("SELECT count(*) FROM " + schema + ".blocks WHERE status = 'ACCEPTED'");
            blocks.next();
            assertTrue(blocks.getLong(1) >= 2);
            s.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }
}
