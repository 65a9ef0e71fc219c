package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Instance numbers and leadership on one ledger database; run against H2 and PostgreSQL. */
abstract class PoolInstancesContract {
    static final Duration LEASE = Duration.ofSeconds(2);
    private Ledger ledger;

    abstract LedgerConfig config() throws Exception;

    @BeforeEach
    void open() throws Exception {
        ledger = Ledger.open(config());
    }

    @AfterEach
    void closeLedger() {
        ledger.close();
    }

    private PoolInstances join() {
        return PoolInstances.join(ledger.dataSource(), OptionalInt.empty(), 64, LEASE);
    }

    @Test
    void runningInstancesHoldDistinctNumbersAndOneLeads() {
        try (PoolInstances a = join(); PoolInstances b = join(); PoolInstances c = join()) {
            assertEquals(0, a.number());
            assertEquals(1, b.number());
            assertEquals(2, c.number());
            assertTrue(a.isLeader(), "the first instance leads");
            assertFalse(b.isLeader());
            assertFalse(c.isLeader());
            // past several renewals: still the same, nobody lost anything
            assertStaysFor(LEASE.multipliedBy(2), () -> a.isLeader() && !b.isLeader() && !c.isLeader());
            assertFalse(a.lost() || b.lost() || c.lost());
        }
    }

    @Test
    void aCleanlyClosedLeaderIsSucceededWithinARenewalAndItsNumberIsFreeAtOnce() {
        PoolInstances a = join();
        try (PoolInstances b = join()) {
            assertTrue(a.isLeader());
            a.close();
            assertFalse(a.isLeader());
            await(LEASE, b::isLeader, "b leads after a stopped");
            try (PoolInstances c = join()) {
                assertEquals(0, c.number(), "a's number is free again");
                assertFalse(c.isLeader());
            }
        }
    }

    @Test
    void aCrashedInstancesNumberAndLeadershipAreTakenOverOnlyAfterItsLease() {
        PoolInstances crashed = join();
        try (PoolInstances b = join()) {
            assertTrue(crashed.isLeader());
            crashed.abandon(); // as kill -9: rows stay, nobody renews them
            try (PoolInstances early = join()) {
                assertEquals(2, early.number(), "the crashed instance's number is still leased");
            }
            await(LEASE.multipliedBy(3), b::isLeader, "b takes over leadership once the lease ran out");
            try (PoolInstances late = join()) {
                assertEquals(0, late.number(), "the crashed instance's number is reclaimed after its lease");
            }
        }
    }

    @Test
    void anExplicitNumberIsClaimedOrRefusedWhileHeld() {
        try (PoolInstances seven = PoolInstances.join(ledger.dataSource(), OptionalInt.of(7), 64, LEASE)) {
            assertEquals(7, seven.number());
            LedgerException held = assertThrows(LedgerException.class,
                    () -> PoolInstances.join(ledger.dataSource(), OptionalInt.of(7), 64, LEASE));
            assertTrue(held.getMessage().contains("pool instance 7 is held"), held.getMessage());
            try (PoolInstances auto = join()) {
                assertEquals(0, auto.number());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> PoolInstances.join(ledger.dataSource(), OptionalInt.of(64), 64, LEASE));
    }

    private static void await(Duration limit, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + limit + ": " + what);
            }
            pause();
        }
    }

    private static void assertStaysFor(Duration span, BooleanSupplier condition) {
        long deadline = System.nanoTime() + span.toNanos();
        while (System.nanoTime() - deadline < 0) {
            assertTrue(condition.getAsBoolean());
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
