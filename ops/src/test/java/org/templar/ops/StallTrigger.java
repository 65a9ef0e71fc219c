package org.templar.ops;

import java.sql.Connection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.h2.api.Trigger;

/**
 * An H2 trigger that holds every insert into the table it is created on until {@link #release()} (or
 * 60 s at most): a database that stalls, as a saturated disk or a lock held elsewhere makes it.
 */
public final class StallTrigger implements Trigger {
    private static volatile CountDownLatch gate = new CountDownLatch(0);

    static void stall() {
        gate = new CountDownLatch(1);
    }

    static void release() {
        gate.countDown();
    }

    @Override
    public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws java.sql.SQLException {
        try {
            gate.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
