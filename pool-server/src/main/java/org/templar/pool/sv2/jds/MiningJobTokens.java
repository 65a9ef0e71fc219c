package org.templar.pool.sv2.jds;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.templar.payout.coinbase.TxOut;
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
     * @param reservedOutputBytes the serialized size of the outputs announced with the token: what the
     *     payout outputs of extension 0x0003 may take at most (their count's CompactSize aside)
     */
    public record Allocation(Bytes token, String user, String connectionId, boolean fullTemplate, Bytes payoutScript,
            int reservedOutputBytes, Instant expires) {}

    /**
     * A RequestPayoutOutputs.Success (extension 0x0003) answered for a token: the outputs a declaration
     * with that token must pay, on the tip they were planned for. Single-use, like the token.
     */
    public record PayoutSet(List<TxOut> outputs, long value, Bytes prevHash,
            Optional<org.templar.payout.coinbase.PayoutPlan> jobPayout) {
        public PayoutSet {
            outputs = List.copyOf(outputs);
            java.util.Objects.requireNonNull(jobPayout, "jobPayout");
        }
    }

    private final ConcurrentHashMap<Bytes, Allocation> allocations = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Bytes, DeclaredJob> declared = new ConcurrentHashMap<>();
    /** Payout sets answered for live tokens; a newer answer for the same token supersedes the older. */
    private final ConcurrentHashMap<Bytes, PayoutSet> payoutSets = new ConcurrentHashMap<>();
    /** Tokens whose payout set a declaration used, until they would have expired: a reuse is named as such. */
    private final ConcurrentHashMap<Bytes, Instant> usedPayoutSets = new ConcurrentHashMap<>();
    private final Duration lifetime;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public MiningJobTokens(Duration lifetime, Clock clock) {
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public Allocation allocate(String user, String connectionId, boolean fullTemplate, Bytes payoutScript) {
        return allocate(user, connectionId, fullTemplate, payoutScript, 0);
    }

    public Allocation allocate(String user, String connectionId, boolean fullTemplate, Bytes payoutScript,
            int reservedOutputBytes) {
        purge();
        Allocation a = new Allocation(newToken(), user, connectionId, fullTemplate, payoutScript, reservedOutputBytes,
                clock.instant().plus(lifetime));
        allocations.put(a.token(), a);
        return a;
    }

    /** The allocation behind {@code token}, unless unknown or expired. */
    public Optional<Allocation> allocation(Bytes token) {
        Allocation a = allocations.get(token);
        return a == null || expired(a.expires()) ? Optional.empty() : Optional.of(a);
    }

    /**
     * A token declares one job: once declared, it cannot declare again, and its payout set (if any)
     * is used up with it.
     */
    public boolean consume(Allocation a) {
        if (!allocations.remove(a.token(), a)) {
            return false;
        }
        if (payoutSets.remove(a.token()) != null) {
            usedPayoutSets.put(a.token(), a.expires());
        }
        return true;
    }

    /** Records the payout set answered for a live token (replacing an earlier answer for it). */
    public void offerPayout(Allocation a, PayoutSet set) {
        payoutSets.put(a.token(), set);
    }

    /** The unused payout set answered for {@code token}. */
    public Optional<PayoutSet> payoutSet(Bytes token) {
        return Optional.ofNullable(payoutSets.get(token));
    }

    /** Whether {@code token}'s payout set was already used by a declaration. */
    public boolean payoutSetUsed(Bytes token) {
        Instant until = usedPayoutSets.get(token);
        return until != null && !expired(until);
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
        payoutSets.keySet().removeIf(t -> !allocations.containsKey(t));
        usedPayoutSets.values().removeIf(until -> !now.isBefore(until));
        declared.values().removeIf(j -> !now.isBefore(j.expires()));
    }

    private Bytes newToken() {
        byte[] t = new byte[TOKEN_BYTES];
        random.nextBytes(t);
        return Bytes.of(t);
    }
}
