package org.templar.payout;

import java.util.concurrent.atomic.AtomicInteger;

class WindowWeightsH2Test extends WindowWeightsContract {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Override
    LedgerConfig config() {
        return LedgerConfig.inMemory("weights" + DATABASES.incrementAndGet());
    }
}
