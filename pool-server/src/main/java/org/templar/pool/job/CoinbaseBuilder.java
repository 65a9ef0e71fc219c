package org.templar.pool.job;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.templar.payout.coinbase.TxOut;
import org.templar.share.CoinbaseHeight;

/**
 * Builds the coinbase around the extranonce. The scriptSig is
 * {@code <BIP34 height push> <push of N extranonce bytes> <pool tag push>}: the extranonce sits inside
 * one push so the scriptSig stays a well-formed script, and the height comes first as BIP34 demands.
 * The halves exclude witness data (miners hash the txid form); {@link Halves#withWitness} rebuilds the
 * witness form for the block.
 */
public final class CoinbaseBuilder {
    /** Core refuses a coinbase scriptSig over 100 bytes (bad-cb-length). */
    public static final int MAX_SCRIPT_SIG = 100;
    private static final int TX_VERSION = 2;

    private CoinbaseBuilder() {}

    /** The two halves plus what block assembly needs. */
    public record Halves(byte[] prefix, byte[] suffix, int extranonceSize, boolean hasWitnessCommitment) {
        /** Total size of the (non-witness) coinbase. */
        public int size() {
            return prefix.length + extranonceSize + suffix.length;
        }

        /**
         * The coinbase with its witness (one 32-byte zero reserved value) when the block commits to
         * witness data, else the txid form unchanged.
         */
        public byte[] withWitness(byte[] extranonce) {
            byte[] txidForm = concat(prefix, extranonce, suffix);
            if (!hasWitnessCommitment) {
                return txidForm;
            }
            // version(4) | marker 00 flag 01 | inputs+outputs | witness | locktime(4)
            byte[] out = new byte[txidForm.length + 2 + 34];
            System.arraycopy(txidForm, 0, out, 0, 4);
            out[4] = 0x00;
            out[5] = 0x01;
            int body = txidForm.length - 8;
            System.arraycopy(txidForm, 4, out, 6, body);
            int p = 6 + body;
            out[p++] = 0x01; // one stack item
            out[p++] = 0x20; // of 32 bytes, all zero: the witness reserved value
            p += 32;
            System.arraycopy(txidForm, txidForm.length - 4, out, p, 4);
            return out;
        }
    }

    public static Halves build(int height, int extranonceSize, String poolTag, List<TxOut> payouts,
            Optional<byte[]> witnessCommitmentScript, int maxCoinbaseSize) {
        if (extranonceSize < 1 || extranonceSize > 75) {
            throw new IllegalArgumentException("extranonce size must be 1..75 bytes, got " + extranonceSize);
        }
        byte[] heightPush = CoinbaseHeight.encodePush(height);
        byte[] tag = poolTag.getBytes(StandardCharsets.UTF_8);
        int room = MAX_SCRIPT_SIG - heightPush.length - 1 - extranonceSize;
        if (tag.length > 0) {
            room -= 1; // push opcode of the tag
            if (tag.length > room) {
                tag = java.util.Arrays.copyOf(tag, Math.max(0, room)); // the tag is decoration: shorten it
            }
        }
        int scriptSigLen = heightPush.length + 1 + extranonceSize + (tag.length > 0 ? 1 + tag.length : 0);

        Bytes.Writer prefix = new Bytes.Writer()
                .int32(TX_VERSION)
                .varInt(1)
                .bytes(new byte[32])
                .int32(0xffffffff)
                .varInt(scriptSigLen)
                .bytes(heightPush)
                .u8(extranonceSize);
        Bytes.Writer suffix = new Bytes.Writer();
        if (tag.length > 0) {
            suffix.u8(tag.length).bytes(tag);
        }
        suffix.int32(0xffffffff);
        int outputs = payouts.size() + (witnessCommitmentScript.isPresent() ? 1 : 0);
        suffix.varInt(outputs);
        for (TxOut out : payouts) {
            suffix.bytes(out.serialize());
        }
        witnessCommitmentScript.ifPresent(script -> suffix.bytes(new TxOut(0, script).serialize()));
        suffix.int32(0); // lock time
        Halves halves = new Halves(prefix.toByteArray(), suffix.toByteArray(), extranonceSize,
                witnessCommitmentScript.isPresent());
        if (halves.size() > maxCoinbaseSize) {
            throw new CoinbaseTooLargeException(halves.size(), maxCoinbaseSize);
        }
        return halves;
    }

    /**
     * Bytes left for payout outputs in a coinbase of at most {@code maxCoinbaseSize} bytes, whatever
     * extranonce size and tag the job gets: everything else is counted at its largest (a full
     * 100-byte scriptSig, a 3-byte output count, the witness commitment output when the template has
     * one). An in-coinbase plan that fits this room fits every job of the template.
     */
    public static int payoutRoom(Optional<byte[]> witnessCommitmentScript, int maxCoinbaseSize) {
        int fixed = 4 /* version */ + 1 /* input count */ + 32 + 4 /* outpoint */ + 1 + MAX_SCRIPT_SIG
                + 4 /* sequence */ + 3 /* output count */ + 4 /* lock time */
                + witnessCommitmentScript.map(script -> TxOut.serializedSize(script.length)).orElse(0);
        return maxCoinbaseSize - fixed;
    }

    /** The coinbase would exceed what the configured miners' firmware accepts. */
    public static final class CoinbaseTooLargeException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        CoinbaseTooLargeException(int size, int max) {
            super("coinbase of " + size + " bytes exceeds the configured cap of " + max
                    + " bytes (pool.max_coinbase_size); fewer payout outputs or a shorter tag are needed");
        }
    }

    static byte[] concat(byte[] a, byte[] b, byte[] c) {
        byte[] out = new byte[a.length + b.length + c.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        System.arraycopy(c, 0, out, a.length + b.length, c.length);
        return out;
    }
}
