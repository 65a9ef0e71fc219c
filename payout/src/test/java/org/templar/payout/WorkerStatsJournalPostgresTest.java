package org.templar.payout;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link WorkerStatsJournalContract} on a real PostgreSQL, each test in a schema of its own. */
@EnabledIfEnvironmentVariable(named = "TEMPLAR_TEST_POSTGRES_URL", matches = "jdbc:postgresql:.+")
class WorkerStatsJournalPostgresTest extends WorkerStatsJournalContract {
    @Override
    LedgerConfig config() throws Exception {
        return PostgresSchemas.fresh("j");
    }
}
