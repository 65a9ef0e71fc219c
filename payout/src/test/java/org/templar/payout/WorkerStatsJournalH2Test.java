package org.templar.payout;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.io.TempDir;

/** {@link WorkerStatsJournalContract} on H2 on disk, the embedded default. */
class WorkerStatsJournalH2Test extends WorkerStatsJournalContract {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @TempDir
    Path dir;

    @Override
    LedgerConfig config() {
        return LedgerConfig.embedded(dir.resolve("db" + DATABASES.incrementAndGet()));
    }
}
