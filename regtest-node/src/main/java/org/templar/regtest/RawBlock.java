package org.templar.regtest;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.base.VarInt;
import org.bitcoinj.core.Transaction;

/**
 * A block as received: the 80-byte header fields and bitcoinj transactions. Stateless codec
 * (bytes to value and back); consensus checks live in {@link BlockRules}.
 */
public final class RawBlock {
    /** version, prev hash, merkle root, time, bits, nonce: 4 + 32 + 32 + 4 + 4 + 4 bytes. */
    public static final int HEADER_SIZE = 80;

    private final byte[] header;
    private final List<Transaction> txs;
    private final Sha256Hash hash;

    private RawBlock(byte[] header, List<Transaction> txs) {
        this.header = header;
        this.txs = Collections.unmodifiableList(new ArrayList<>(txs));
        this.hash = Sha256Hash.wrapReversed(Sha256Hash.hashTwice(header));
    }

    /** Decodes a serialized block; throws IllegalArgumentException when the bytes are not a block. */
    public static RawBlock parse(byte[] raw) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(raw);
            byte[] header = new byte[HEADER_SIZE];
            buf.get(header);
            long n = VarInt.read(buf).longValue();
            if (n < 0 || n > raw.length) {
                throw new IllegalArgumentException("bad transaction count " + n);
            }
            List<Transaction> txs = new ArrayList<>();
            for (long i = 0; i < n; i++) {
                txs.add(Transaction.read(buf));
            }
            return new RawBlock(header, txs);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("block decode failed: " + e.getMessage(), e);
        }
    }

    public static RawBlock of(byte[] header, List<Transaction> txs) {
        if (header.length != HEADER_SIZE) {
            throw new IllegalArgumentException("header is " + header.length + " bytes");
        }
        return new RawBlock(header.clone(), txs);
    }

    public static RawBlock assemble(int version, Sha256Hash prev, long time, int bits, long nonce, List<Transaction> txs) {
        byte[] merkle = merkleRoot(txs);
        byte[] header = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(version).put(prev.getReversedBytes()).put(merkle)
                .putInt((int) time).putInt(bits).putInt((int) nonce)
                .array();
        return new RawBlock(header, txs);
    }

    /** A copy with another nonce (the header is re-hashed). */
    public RawBlock withNonce(long nonce) {
        byte[] h = header.clone();
        ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putInt(76, (int) nonce);
        return new RawBlock(h, txs);
    }

    /** A copy with other transactions and the same header bytes (the merkle root is NOT recomputed). */
    public RawBlock withTransactions(List<Transaction> newTxs) {
        return new RawBlock(header, newTxs);
    }

    public byte[] serialize() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(HEADER_SIZE + 256 * txs.size());
        out.writeBytes(header);
        out.writeBytes(VarInt.of(txs.size()).serialize());
        for (Transaction tx : txs) {
            out.writeBytes(tx.serialize());
        }
        return out.toByteArray();
    }

    /** Serialized size without witness data (Core's "strippedsize"). */
    public int strippedSize() {
        int size = HEADER_SIZE + VarInt.sizeOf(txs.size());
        for (Transaction tx : txs) {
            size += strippedSize(tx);
        }
        return size;
    }

    public int size() {
        int size = HEADER_SIZE + VarInt.sizeOf(txs.size());
        for (Transaction tx : txs) {
            size += tx.messageSize();
        }
        return size;
    }

    public int weight() {
        return strippedSize() * (RegtestConsensus.WITNESS_SCALE_FACTOR - 1) + size();
    }

    /**
     * The size of the transaction's serialization without witness (version, inputs with their
     * outpoints, scriptSigs and sequences, outputs, lock time), counted from its fields. Asking
     * bitcoinj (getWeight and messageSize) serializes the transaction three times, and a block check
     * asks this for every transaction several times: with thousands of transactions that was most of
     * a proposal's time. {@code ValidationCacheTest} checks the count against those serializations.
     */
    static int strippedSize(Transaction tx) {
        int size = 4 + VarInt.sizeOf(tx.getInputs().size());
        for (org.bitcoinj.core.TransactionInput in : tx.getInputs()) {
            int script = in.getScriptBytes().length;
            size += 32 + 4 + VarInt.sizeOf(script) + script + 4;
        }
        size += VarInt.sizeOf(tx.getOutputs().size());
        for (org.bitcoinj.core.TransactionOutput out : tx.getOutputs()) {
            int script = out.getScriptBytes().length;
            size += 8 + VarInt.sizeOf(script) + script;
        }
        return size + 4;
    }

    /** Merkle root (internal byte order) of the txids, as Core computes it. */
    public static byte[] merkleRoot(List<Transaction> txs) {
        List<byte[]> ids = new ArrayList<>(txs.size());
        for (Transaction tx : txs) {
            ids.add(tx.getTxId().getReversedBytes());
        }
        return Merkle.root(ids);
    }

    /** True when the txid list has a repeated last pair that makes another list hash alike (CVE-2012-2459). */
    public static boolean merkleMutated(List<Transaction> txs) {
        List<byte[]> ids = new ArrayList<>(txs.size());
        for (Transaction tx : txs) {
            ids.add(tx.getTxId().getReversedBytes());
        }
        return Merkle.of(ids).mutated();
    }

    /** BIP141 witness merkle root: wtxids with the coinbase's replaced by zero. */
    public static byte[] witnessMerkleRoot(List<Transaction> txs) {
        List<byte[]> ids = new ArrayList<>(txs.size());
        ids.add(new byte[32]);
        for (int i = 1; i < txs.size(); i++) {
            ids.add(txs.get(i).getWTxId().getReversedBytes());
        }
        return Merkle.root(ids);
    }

    public byte[] header() {
        return header.clone();
    }

    public Sha256Hash hash() {
        return hash;
    }

    public int version() {
        return headerInt(0);
    }

    public Sha256Hash prevHash() {
        byte[] p = new byte[32];
        System.arraycopy(header, 4, p, 0, 32);
        return Sha256Hash.wrapReversed(p);
    }

    public byte[] merkleRootInternal() {
        byte[] p = new byte[32];
        System.arraycopy(header, 36, p, 0, 32);
        return p;
    }

    public Sha256Hash merkleRoot() {
        return Sha256Hash.wrapReversed(merkleRootInternal());
    }

    public long time() {
        return Integer.toUnsignedLong(headerInt(68));
    }

    public int bits() {
        return headerInt(72);
    }

    public long nonce() {
        return Integer.toUnsignedLong(headerInt(76));
    }

    public List<Transaction> transactions() {
        return txs;
    }

    private int headerInt(int offset) {
        return ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt(offset);
    }
}
