package org.templar.payout;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link WindowWeightsContract} on a real PostgreSQL, each test in a schema of its own. */
@EnabledIfEnvironmentVariable(named = "TEMPLAR_TEST_POSTGRES_URL", matches = "jdbc:postgresql:.+")
class WindowWeightsPostgresTest extends WindowWeightsContract {
    @Override
    LedgerConfig config() throws Exception {
        return PostgresSchemas.fresh("window");
    }
}
