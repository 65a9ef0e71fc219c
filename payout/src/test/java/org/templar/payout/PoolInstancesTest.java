package org.templar.payout;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** {@link PoolInstances} on the embedded H2 ledger (the single-instance default). */
class PoolInstancesTest extends PoolInstancesContract {
    @TempDir
    Path dir;

    @Override
    LedgerConfig config() {
        return LedgerConfig.embedded(dir);
    }
}
