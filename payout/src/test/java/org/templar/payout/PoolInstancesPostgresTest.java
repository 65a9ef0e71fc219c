package org.templar.payout;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link PoolInstances} on a real PostgreSQL server (TEMPLAR_TEST_POSTGRES_*), a schema per test. */
@EnabledIfEnvironmentVariable(named = "TEMPLAR_TEST_POSTGRES_URL", matches = "jdbc:postgresql:.+")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PoolInstancesPostgresTest extends PoolInstancesContract {
    private static final AtomicLong SCHEMAS = new AtomicLong();
    private static final String URL = System.getenv("TEMPLAR_TEST_POSTGRES_URL");
    private static final String USER = System.getenv("TEMPLAR_TEST_POSTGRES_USER");
    private static final String PASSWORD = System.getenv("TEMPLAR_TEST_POSTGRES_PASSWORD");

    @Override
    LedgerConfig config() throws Exception {
        String schema = "pi" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        return new LedgerConfig(URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema, USER, PASSWORD,
                LedgerConfig.DEFAULT_POOL_SIZE, LedgerConfig.DEFAULT_QUEUE_CAPACITY, LedgerConfig.DEFAULT_MAX_BATCH,
                LedgerConfig.DEFAULT_CONNECTION_TIMEOUT, true);
    }
}
