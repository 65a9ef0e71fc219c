package org.templar.payout.bench;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;
import org.templar.payout.LedgerConfig;

/**
 * The PostgreSQL the tests use (TEMPLAR_TEST_POSTGRES_URL, _USER, _PASSWORD, as `.ci/postgres.sh`
 * exports them), for a bench that also measures PostgreSQL: each call makes a fresh schema, so runs
 * never see each other's rows.
 */
final class BenchPostgres {
    private BenchPostgres() {}

    static boolean configured() {
        String url = System.getenv("TEMPLAR_TEST_POSTGRES_URL");
        return url != null && url.startsWith("jdbc:postgresql:");
    }

    /** A ledger in a new schema {@code schema}, or empty when no PostgreSQL is configured. */
    static Optional<LedgerConfig> freshSchema(String schema) throws SQLException {
        if (!configured()) {
            return Optional.empty();
        }
        String url = System.getenv("TEMPLAR_TEST_POSTGRES_URL");
        String user = System.getenv("TEMPLAR_TEST_POSTGRES_USER");
        String password = System.getenv("TEMPLAR_TEST_POSTGRES_PASSWORD");
        try (var c = DriverManager.getConnection(url, user, password); var s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        return Optional.of(new LedgerConfig(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema,
                user, password, LedgerConfig.DEFAULT_POOL_SIZE, LedgerConfig.DEFAULT_QUEUE_CAPACITY,
                LedgerConfig.DEFAULT_MAX_BATCH, LedgerConfig.DEFAULT_CONNECTION_TIMEOUT, true));
    }
}
