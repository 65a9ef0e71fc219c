package org.templar.payout;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

/** {@link ShareWritersContract} on H2 on disk, the embedded default. */
class ShareWritersH2Test extends ShareWritersContract {
    @TempDir
    Path dir;

    @Override
    LedgerConfig config() {
        return LedgerConfig.embedded(dir.resolve("db"));
    }
}
