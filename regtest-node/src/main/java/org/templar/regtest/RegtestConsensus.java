package org.templar.regtest;

import java.math.BigInteger;

/**
 * Bitcoin Core's regtest consensus parameters (src/kernel/chainparams.cpp, CRegTestParams) and the
 * protocol constants the embedded node enforces. Kept in one place so a reader can compare them with
 * Core line by line.
 */
public final class RegtestConsensus {
    private RegtestConsensus() {}

    /** The regtest genesis block exactly as Core builds it (nTime 1296688602, nNonce 2, nBits 0x207fffff). */
    public static final String GENESIS_HEX =
            "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a"
            + "dae5494dffff7f20020000000101000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054"
            + "696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffff"
            + "ffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7"
            + "ba0b8d578a4c702b6bf11d5fac00000000";
    public static final String GENESIS_HASH = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";

    /** powLimit = 0x7fffff0000...; regtest never retargets (fPowNoRetargeting). */
    public static final int POW_LIMIT_BITS = 0x207fffff;
    public static final BigInteger POW_LIMIT = CompactBits.decode(POW_LIMIT_BITS).target();

    public static final int SUBSIDY_HALVING_INTERVAL = 150;
    public static final long COIN = 100_000_000L;
    public static final long MAX_MONEY = 21_000_000L * COIN;
    public static final int COINBASE_MATURITY = 100;
    /** Regtest activates BIP34/65/66/CSV at height 1 and segwit from genesis. */
    public static final int BIP34_HEIGHT = 1;
    public static final int BIP65_HEIGHT = 1;
    public static final int BIP66_HEIGHT = 1;

    public static final int MAX_BLOCK_WEIGHT = 4_000_000;
    public static final int MAX_BLOCK_SERIALIZED_SIZE = 4_000_000;
    public static final int MAX_BLOCK_SIGOPS_COST = 80_000;
    public static final int WITNESS_SCALE_FACTOR = 4;
    /** Core's BlockAssembler keeps this much weight and these sigops for the coinbase. */
    public static final int COINBASE_RESERVED_WEIGHT = 4_000;
    public static final int COINBASE_RESERVED_SIGOPS = 400;
    public static final long MAX_FUTURE_BLOCK_TIME = 2 * 60 * 60;
    public static final int MEDIAN_TIME_SPAN = 11;
    /** 0x20000000: BIP9 top bits, no deployment signalling on regtest. */
    public static final int TEMPLATE_VERSION = 0x20000000;
    /** -minrelaytxfee default since Core v30 (policy.h DEFAULT_MIN_RELAY_TX_FEE): 100 sat/kvB. */
    public static final long MIN_RELAY_FEE_PER_KVB = 100;
    /** -incrementalrelayfee default since Core v30: 100 sat/kvB. */
    public static final long INCREMENTAL_RELAY_FEE_PER_KVB = 100;
    /** sendrawtransaction's default maxfeerate: 0.10 BTC/kvB. */
    public static final long DEFAULT_MAX_RAW_TX_FEE_PER_KVB = 10_000_000;

    /** Core's GetBlockSubsidy with regtest's 150-block halving interval. */
    public static long subsidy(int height) {
        int halvings = height / SUBSIDY_HALVING_INTERVAL;
        if (halvings >= 64) {
            return 0;
        }
        return (50 * COIN) >> halvings;
    }

    /** GetBlockProof: 2^256 / (target + 1). */
    public static BigInteger work(int nbits) {
        BigInteger target = CompactBits.decode(nbits).target();
        return BigInteger.ONE.shiftLeft(256).divide(target.add(BigInteger.ONE));
    }

    /** GetDifficulty: the ratio of the difficulty-1 target to this one, as Core prints it. */
    public static double difficulty(int nbits) {
        int shift = (nbits >>> 24) & 0xff;
        double diff = (double) 0x0000ffff / (double) (nbits & 0x00ffffff);
        while (shift < 29) {
            diff *= 256.0;
            shift++;
        }
        while (shift > 29) {
            diff /= 256.0;
            shift--;
        }
        return diff;
    }
}
