package org.templar.payout;

import java.util.concurrent.atomic.AtomicInteger;

class PayoutLedgerH2Test extends PayoutLedgerContract {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Override
    LedgerConfig config() {
        return LedgerConfig.inMemory("payouts" + DATABASES.incrementAndGet());
    }
}
