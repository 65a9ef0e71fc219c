package org.templar.payout;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link WindowWeightsContract} on a real PostgreSQL, each test in a schema of its own (as {@link LedgerPostgresTest}). */
@EnabledIfEnvironmentVariable(named = "TEMPLAR_TEST_POSTGRES_URL", matches = "jdbc:postgresql:.+")
class WindowWeightsPostgresTest extends WindowWeightsContract {
    private static final AtomicLong SCHEMAS = new AtomicLong();
    private static final String URL = System.getenv("TEMPLAR_TEST_POSTGRES_URL");
    private static final String USER = System.getenv("TEMPLAR_TEST_POSTGRES_USER");
    private static final String PASSWORD = System.getenv("TEMPLAR_TEST_POSTGRES_PASSWORD");

    @Override
    LedgerConfig config() throws Exception {
        String schema = "w" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        return new LedgerConfig(URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema, USER, PASSWORD,
                LedgerConfig.DEFAULT_POOL_SIZE, LedgerConfig.DEFAULT_QUEUE_CAPACITY, LedgerConfig.DEFAULT_MAX_BATCH,
                LedgerConfig.DEFAULT_CONNECTION_TIMEOUT, true);
    }
}
