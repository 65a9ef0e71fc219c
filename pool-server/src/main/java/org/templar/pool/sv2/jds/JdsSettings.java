package org.templar.pool.sv2.jds;

import java.time.Duration;

/**
 * The operator's Job Declaration policy.
 *
 * @param tokenLifetime how long an allocated token (and a declared job) stays usable
 * @param tokensPerMinute how many AllocateMiningJobToken requests a connection may make per minute
 *     (with a burst of the same size); beyond that the connection is closed as a flood
 * @param minPoolShare Full-Template: the smallest share (0, 1] of the template's revenue (subsidy plus
 *     the fees of the declared transactions) the pool payout output must receive; shares on an
 *     accepted job are credited at the exact share it receives
 * @param coinbaseOnlyMinShare Coinbase-only mode: 0 refuses the mode (the default); otherwise the
 *     smallest share (0, 1] of the coinbase's value the pool payout output must receive
 * @param coinbaseOnlyFeeCeilingSats Coinbase-only mode: the most fees a coinbase may claim on top of
 *     the subsidy; the pool cannot see the transactions, so this bounds the revenue it will credit
 * @param declarationTimeout how long a declaration may wait for ProvideMissingTransactions.Success
 * @param maxOpenDeclarations how many declarations one connection may have open at once (being checked,
 *     or waiting for the transactions the JDS asked for); one more is refused with
 *     {@link JdsErrorCodes#TOO_MANY_OPEN_DECLARATIONS}. With the frame limit this bounds what one
 *     connection makes the JDS hold: that many wtxid lists and transaction sets
 * @param mempoolMaxAge how stale the JDS's view of the node's mempool may be when a declaration names
 *     transactions the pool's template lacks; older, the declaration waits for a refresh
 */
public record JdsSettings(Duration tokenLifetime, int tokensPerMinute, double minPoolShare,
        double coinbaseOnlyMinShare, long coinbaseOnlyFeeCeilingSats, Duration declarationTimeout,
        int maxOpenDeclarations, Duration mempoolMaxAge) {

    public JdsSettings {
        if (tokenLifetime.isNegative() || tokenLifetime.isZero()) {
            throw new IllegalArgumentException("token lifetime must be positive: " + tokenLifetime);
        }
        if (tokensPerMinute < 1) {
            throw new IllegalArgumentException("tokens per minute must be at least 1: " + tokensPerMinute);
        }
        if (!(minPoolShare > 0) || minPoolShare > 1) {
            throw new IllegalArgumentException("min pool share must be in (0, 1]: " + minPoolShare);
        }
        if (!(coinbaseOnlyMinShare >= 0) || coinbaseOnlyMinShare > 1) {
            throw new IllegalArgumentException("coinbase-only min share must be 0 (off) or in (0, 1]: "
                    + coinbaseOnlyMinShare);
        }
        if (coinbaseOnlyFeeCeilingSats < 0) {
            throw new IllegalArgumentException("fee ceiling must not be negative: " + coinbaseOnlyFeeCeilingSats);
        }
        if (maxOpenDeclarations < 1) {
            throw new IllegalArgumentException("open declarations must be at least 1: " + maxOpenDeclarations);
        }
        if (mempoolMaxAge.isNegative()) {
            throw new IllegalArgumentException("mempool view age must not be negative: " + mempoolMaxAge);
        }
    }

    /**
     * Defaults: tokens live 10 minutes, 30 per minute per connection; Full-Template jobs must pay
     * the pool output at least 99 % of the revenue (a miner may keep up to 1 % for itself, credited
     * proportionally less); Coinbase-only off; declarations wait 30 s for missing transactions; four
     * open declarations per connection (a JDC declares once per template and per token, so several
     * open at once means templates coming faster than the JDS answers); the mempool view at most a
     * second old.
     */
    public static JdsSettings defaults() {
        return new JdsSettings(Duration.ofMinutes(10), 30, 0.99, 0, 0, Duration.ofSeconds(30), 4, Duration.ofSeconds(1));
    }

    public boolean coinbaseOnlyAllowed() {
        return coinbaseOnlyMinShare > 0;
    }

    public JdsSettings withMinPoolShare(double share) {
        return new JdsSettings(tokenLifetime, tokensPerMinute, share, coinbaseOnlyMinShare, coinbaseOnlyFeeCeilingSats,
                declarationTimeout, maxOpenDeclarations, mempoolMaxAge);
    }

    public JdsSettings withCoinbaseOnly(double minShare, long feeCeilingSats) {
        return new JdsSettings(tokenLifetime, tokensPerMinute, minPoolShare, minShare, feeCeilingSats,
                declarationTimeout, maxOpenDeclarations, mempoolMaxAge);
    }

    public JdsSettings withTokens(Duration lifetime, int perMinute) {
        return new JdsSettings(lifetime, perMinute, minPoolShare, coinbaseOnlyMinShare, coinbaseOnlyFeeCeilingSats,
                declarationTimeout, maxOpenDeclarations, mempoolMaxAge);
    }

    public JdsSettings withLimits(int openDeclarations, Duration mempoolAge) {
        return new JdsSettings(tokenLifetime, tokensPerMinute, minPoolShare, coinbaseOnlyMinShare,
                coinbaseOnlyFeeCeilingSats, declarationTimeout, openDeclarations, mempoolAge);
    }
}
