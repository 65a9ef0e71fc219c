package org.templar.regtest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bitcoinj.base.Sha256Hash;

/**
 * Core's {@code ComputeMerkleRoot} (src/consensus/merkle.cpp), written for the node alone so that it
 * does not share the pool's merkle code: pairs are SHA-256d of left||right, an odd level repeats its
 * last hash, the empty list has the zero root. Hashes are in internal byte order.
 *
 * @param root    the merkle root
 * @param mutated true when some level had two equal neighbours, so another transaction list (with
 *                a duplicated tail) has the same root (CVE-2012-2459)
 */
record Merkle(byte[] root, boolean mutated) {

    static Merkle of(List<byte[]> hashes) {
        List<byte[]> level = new ArrayList<>(hashes);
        boolean mutated = false;
        while (level.size() > 1) {
            for (int i = 0; i + 1 < level.size(); i += 2) {
                if (Arrays.equals(level.get(i), level.get(i + 1))) {
                    mutated = true;
                }
            }
            if (level.size() % 2 != 0) {
                level.add(level.get(level.size() - 1));
            }
            List<byte[]> next = new ArrayList<>(level.size() / 2);
            for (int i = 0; i < level.size(); i += 2) {
                next.add(Sha256Hash.hashTwice(level.get(i), level.get(i + 1)));
            }
            level = next;
        }
        return new Merkle(level.isEmpty() ? new byte[32] : level.get(0).clone(), mutated);
    }

    static byte[] root(List<byte[]> hashes) {
        return of(hashes).root();
    }

    @Override
    public byte[] root() {
        return root.clone();
    }
}
