package org.templar.payout;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link ShareRetentionContract} on a real PostgreSQL, each test in a schema of its own. */
@EnabledIfEnvironmentVariable(named = "TEMPLAR_TEST_POSTGRES_URL", matches = "jdbc:postgresql:.+")
class ShareRetentionPostgresTest extends ShareRetentionContract {
    @Override
    LedgerConfig config() throws Exception {
        return PostgresSchemas.fresh("r");
    }
}
