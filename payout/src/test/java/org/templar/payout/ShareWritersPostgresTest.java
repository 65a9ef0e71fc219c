package org.templar.payout;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link ShareWritersContract} on a real PostgreSQL, in a schema of its own. */
@EnabledIfEnvironmentVariable(named = "TEMPLAR_TEST_POSTGRES_URL", matches = "jdbc:postgresql:.+")
class ShareWritersPostgresTest extends ShareWritersContract {
    @Override
    LedgerConfig config() throws Exception {
        return PostgresSchemas.fresh("writers");
    }
}
