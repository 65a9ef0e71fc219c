package org.templar.share;

import java.util.ArrayList;
import java.util.List;

/**
 * The merkle path from the coinbase (leaf 0) to the root: the sibling hash at each level, leaf level
 * first, each in internal byte order. Folding: {@code acc = sha256d(acc || branch[i])} starting from
 * the coinbase txid.
 */
public final class MerkleBranch {
    private final byte[][] steps;

    private MerkleBranch(byte[][] steps) {
        this.steps = steps;
    }

    public static MerkleBranch of(List<byte[]> steps) {
        byte[][] copy = new byte[steps.size()][];
        for (int i = 0; i < copy.length; i++) {
            byte[] s = steps.get(i);
            if (s.length != 32) {
                throw new IllegalArgumentException("merkle step " + i + " is " + s.length + " bytes, want 32");
            }
            copy[i] = s.clone();
        }
        return new MerkleBranch(copy);
    }

    /**
     * The branch for the coinbase given the other transactions' txids (internal byte order), in block
     * order without the coinbase.
     */
    public static MerkleBranch forCoinbase(List<byte[]> txidsWithoutCoinbase) {
        List<byte[]> steps = new ArrayList<>();
        List<byte[]> level = new ArrayList<>();
        level.add(null); // the coinbase slot, unknown
        level.addAll(txidsWithoutCoinbase);
        while (level.size() > 1) {
            steps.add(level.get(1));
            List<byte[]> next = new ArrayList<>();
            next.add(null);
            for (int i = 2; i < level.size(); i += 2) {
                byte[] left = level.get(i);
                byte[] right = i + 1 < level.size() ? level.get(i + 1) : left;
                next.add(Sha256.hashPair(left, right));
            }
            level = next;
        }
        return of(steps);
    }

    /** The full merkle root of a list of txids (internal order), coinbase first, as Core computes it. */
    public static byte[] root(List<byte[]> txids) {
        if (txids.isEmpty()) {
            throw new IllegalArgumentException("a block has at least one transaction");
        }
        List<byte[]> level = new ArrayList<>(txids);
        while (level.size() > 1) {
            List<byte[]> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) {
                byte[] left = level.get(i);
                byte[] right = i + 1 < level.size() ? level.get(i + 1) : left;
                next.add(Sha256.hashPair(left, right));
            }
            level = next;
        }
        return level.get(0).clone();
    }

    public int size() {
        return steps.length;
    }

    /** Step {@code i}; callers must not modify the returned array. */
    public byte[] step(int i) {
        return steps[i];
    }

    public List<byte[]> steps() {
        List<byte[]> out = new ArrayList<>(steps.length);
        for (byte[] s : steps) {
            out.add(s.clone());
        }
        return out;
    }

    /** Folds the coinbase txid up the branch to the merkle root (allocating; cold path). */
    public byte[] rootFrom(byte[] coinbaseTxid) {
        byte[] acc = coinbaseTxid;
        for (byte[] s : steps) {
            acc = Sha256.hashPair(acc, s);
        }
        return acc.clone();
    }
}
