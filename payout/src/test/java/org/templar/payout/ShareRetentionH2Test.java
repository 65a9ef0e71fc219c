package org.templar.payout;

import java.util.concurrent.atomic.AtomicInteger;

class ShareRetentionH2Test extends ShareRetentionContract {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Override
    LedgerConfig config() {
        return LedgerConfig.inMemory("retention" + DATABASES.incrementAndGet());
    }
}
