package org.templar.payout;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;

/** Ledger configurations on the test PostgreSQL (TEMPLAR_TEST_POSTGRES_*), each in a new schema. */
final class PostgresSchemas {
    private static final AtomicLong SCHEMAS = new AtomicLong();
    private static final String URL = System.getenv("TEMPLAR_TEST_POSTGRES_URL");
    private static final String USER = System.getenv("TEMPLAR_TEST_POSTGRES_USER");
    private static final String PASSWORD = System.getenv("TEMPLAR_TEST_POSTGRES_PASSWORD");

    private PostgresSchemas() {}

    /** A ledger configuration on a fresh, empty schema whose name starts with {@code prefix}. */
    static LedgerConfig fresh(String prefix) throws SQLException {
        String schema = prefix + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        return new LedgerConfig(URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema, USER, PASSWORD,
                LedgerConfig.DEFAULT_POOL_SIZE, LedgerConfig.DEFAULT_QUEUE_CAPACITY, LedgerConfig.DEFAULT_MAX_BATCH,
                LedgerConfig.DEFAULT_CONNECTION_TIMEOUT, true);
    }
}
