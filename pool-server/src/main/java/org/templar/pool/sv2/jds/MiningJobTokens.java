package org.templar.pool.sv2.jds;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.templar.pool.sv2.codec.Bytes;

/**
 * The tokens the JDS hands out and the jobs declared with them. Shared by every JDS connection and
 * every mining connection (SetCustomMiningJob presents the tokens there), so it is thread-safe.
 * Tokens are 16 random bytes: unguessable, so a token is proof that its holder got it from this pool.
 * Everything expires after the configured lifetime; expired entries are dropped as new ones arrive.
 */
public final class MiningJobTokens {
    private static final int TOKEN_BYTES = 16;

    /**
     * A token allocated by AllocateMiningJobToken.
     *
     * @param user the account the token was allocated to (the part of user_identifier before '.')
     * @param connectionId the JDS connection that allocated it: only that connection may declare with it
     * @param fullTemplate whether that connection is in Full-Template mode (else Coinbase-only)
     * @param payoutScript the pool payout output's locking script announced with the token
     */
    public record Allocation(Bytes token, String user, String connectionId, boolean fullTemplate, Bytes payoutScript,
            Instant expires) {}

    private final ConcurrentHashMap<Bytes, Allocation> allocations = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Bytes, DeclaredJob> declared = new ConcurrentHashMap<>();
    private final Duration lifetime;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public MiningJobTokens(Duration lifetime, Clock clock) {
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public Allocation allocate(String user, String connectionId, boolean fullTemplate, Bytes payoutScript) {
        purge();
        Allocation a = new Allocation(newToken(), user, connectionId, fullTemplate, payoutScript,
                clock.instant().plus(lifetime));
        allocations.put(a.token(), a);
        return a;
    }

    /** The allocation behind {@code token}, unless unknown or expired. */
    public Optional<Allocation> allocation(Bytes token) {
        Allocation a = allocations.get(token);
        return a == null || expired(a.expires()) ? Optional.empty() : Optional.of(a);
    }

    /** A token declares one job: once declared, it cannot declare again. */
    public boolean consume(Allocation a) {
        return allocations.remove(a.token(), a);
    }

    /** Registers a job accepted by DeclareMiningJob.Success under its new token. */
    public DeclaredJob register(DeclaredJob.Builder job) {
        purge();
        DeclaredJob j = job.build(newToken(), clock.instant().plus(lifetime));
        declared.put(j.token(), j);
        return j;
    }

    public Optional<DeclaredJob> declared(Bytes token) {
        DeclaredJob j = declared.get(token);
        return j == null || expired(j.expires()) ? Optional.empty() : Optional.of(j);
    }

    /** Allocated and declared entries alive now (for metrics and tests). */
    public int size() {
        return allocations.size() + declared.size();
    }

    private boolean expired(Instant expires) {
        return !clock.instant().isBefore(expires);
    }

    private void purge() {
        Instant now = clock.instant();
        allocations.values().removeIf(a -> !now.isBefore(a.expires()));
        declared.values().removeIf(j -> !now.isBefore(j.expires()));
    }

    private Bytes newToken() {
        byte[] t = new byte[TOKEN_BYTES];
        random.nextBytes(t);
        return Bytes.of(t);
    }
}
