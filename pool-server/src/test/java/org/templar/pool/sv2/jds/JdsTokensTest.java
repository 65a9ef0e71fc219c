package org.templar.pool.sv2.jds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.templar.pool.sv2.codec.Bytes;

/** The token registry: tokens are unguessable, expire, declare once, and forget what expired. */
class JdsTokensTest {
    /** A clock the test moves. */
    private static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private final ManualClock clock = new ManualClock();
    private final MiningJobTokens tokens = new MiningJobTokens(Duration.ofSeconds(60), clock);
    private final Bytes script = Bytes.fromHex("0014" + "11".repeat(20));

    @Test
    void tokensExpireAfterTheirLifetime() {
        MiningJobTokens.Allocation a = tokens.allocate("alice", "jds-1", true, script);
        assertEquals(16, a.token().length());
        clock.now = clock.now.plusSeconds(59);
        assertTrue(tokens.allocation(a.token()).isPresent());
        clock.now = clock.now.plusSeconds(1);
        assertTrue(tokens.allocation(a.token()).isEmpty(), "expired at exactly its lifetime");
        // expired entries are dropped when new ones arrive: memory stays bounded by the rate limit
        tokens.allocate("alice", "jds-1", true, script);
        assertEquals(1, tokens.size());
    }

    @Test
    void aTokenDeclaresOnceAndKeepsItsOwner() {
        MiningJobTokens.Allocation a = tokens.allocate("alice", "jds-1", true, script);
        MiningJobTokens.Allocation b = tokens.allocate("alice", "jds-1", true, script);
        assertNotEquals(a.token(), b.token());
        assertEquals("alice", a.user());
        assertEquals("jds-1", a.connectionId());
        assertTrue(tokens.consume(a));
        assertFalse(tokens.consume(a), "a used token cannot declare again");
        assertTrue(tokens.allocation(a.token()).isEmpty());
        assertTrue(tokens.allocation(b.token()).isPresent());
    }

    @Test
    void declaredJobsExpireToo() {
        DeclaredJob j = tokens.register(new DeclaredJob.Builder("alice", "jds-1", script, 0x20000000L,
                Bytes.of(new byte[32]), 0x207fffff, 101, 1_700_000_000L, null, java.util.List.of(),
                org.templar.share.MerkleBranch.forCoinbase(java.util.List.of()), 5_000_000_000L, 3_000_000_000L, java.util.Optional.empty()));
        assertEquals(0.6, j.revenueWeight(), 1e-12);
        assertTrue(tokens.declared(j.token()).isPresent());
        assertTrue(tokens.allocation(j.token()).isEmpty(), "a declared job's token is not an allocation");
        clock.now = clock.now.plusSeconds(60);
        assertTrue(tokens.declared(j.token()).isEmpty());
    }
}
