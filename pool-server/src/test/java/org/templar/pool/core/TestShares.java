package org.templar.pool.core;

import java.util.Optional;
import org.bitcoinj.base.BitcoinNetwork;
import org.templar.pool.job.Job;
import org.templar.share.Hex;
import org.templar.share.ShareCheck;
import org.templar.share.ShareHasher;
import org.templar.share.Target;

/** Shares found the way a miner finds them, for tests of the share path and the sessions. */
public final class TestShares {
    /** A regtest address (BIP173's P2WPKH test vector on regtest). */
    public static final String ADDRESS = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
    /** Network target of difficulty 1: no share found at a tiny difficulty on it is a block. */
    public static final int HARD_NBITS = 0x1d00ffff;

    private TestShares() {}

    /** A share a miner found: what it submits, and the header hash that gives (internal byte order). */
    public record Found(byte[] en2, int ntime, int nonce, int version, byte[] hashLe) {
        /** The hash as the ledger and block explorers write it. */
        public String displayHash() {
            return Hex.encode(Hex.reverse(hashLe));
        }
    }

    /** {@code username} as a solo pool on regtest authorizes it. */
    public static Worker worker(String username) {
        try {
            return new Authorizer(BitcoinNetwork.REGTEST, PayoutMode.SOLO, Optional.empty()).authorize(username);
        } catch (Authorizer.AuthorizationException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The first nonce from 0 whose header hash meets {@code target} (or, with {@code meets} false,
     * misses it), hashing the job's work at its ntime as a miner does. Bounded: a million tries.
     */
    public static Found find(Job job, byte[] en1, byte[] en2, int version, Target target, boolean meets) {
        ShareHasher hasher = new ShareHasher();
        for (int nonce = 0; nonce < 1_000_000; nonce++) {
            ShareCheck c = hasher.check(job.work(), en1, en2, job.ntime(), nonce, version);
            if (c.meets(target) == meets) {
                return new Found(en2.clone(), job.ntime(), nonce, version, c.hashCopy());
            }
        }
        throw new AssertionError("no nonce found in a million tries");
    }
}
