package org.templar.share;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bitcoinj.base.Sha256Hash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Randomized cross-check of every hashing path against bitcoinj's plain (allocating) hashing: the
 * compression engines, coinbase -> branch -> header on both hasher engines with and without the
 * merkle cache, header-only shares, and the branch builder.
 */
@Timeout(120)
class BitcoinjCrossCheckTest {

    @Test
    void compressionEnginesAgreeWithMessageDigest() throws Exception {
        SplittableRandom r = new SplittableRandom(11);
        List<Sha256Compressor> engines = new ArrayList<>(List.of(Sha256Compressor.create(false)));
        if (Sha256Compressor.INTRINSIC) {
            engines.add(Sha256Compressor.create(true));
        }
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < 2_000; i++) {
            int len = r.nextInt(300);
            byte[] msg = bytes(r, len);
            byte[] expected = md.digest(msg);
            int whole = len / 64;
            int[] mid = Sha256Compressor.midstate(msg, whole);
            byte[] tail = new byte[Sha256Compressor.paddedLength(len - whole * 64)];
            System.arraycopy(msg, whole * 64, tail, 0, len - whole * 64);
            Sha256Compressor.pad(tail, 0, len - whole * 64, len);
            for (Sha256Compressor c : engines) {
                c.reset();
                for (int b = 0; b < whole; b++) {
                    c.compress(msg, 64 * b);
                }
                assertArrayEquals(mid, c.state());
                for (int p = 0; p < tail.length; p += 64) {
                    c.compress(tail, p);
                }
                byte[] out = new byte[32];
                c.writeDigest(out, 0);
                assertArrayEquals(expected, out, "len " + len + " intrinsic=" + c.isIntrinsic());
            }
        }
    }

    @Test
    void randomSharesAgreeWithBitcoinj() {
        SplittableRandom r = new SplittableRandom(42);
        List<ShareHasher> hashers = MainnetBlockVectorsTest.hashers();
        for (int i = 0; i < 3_000; i++) {
            byte[] prefix = bytes(r, r.nextInt(200));
            byte[] suffix = bytes(r, r.nextInt(400));
            int enSize = r.nextInt(17);
            int en1Size = r.nextInt(enSize + 1);
            List<byte[]> steps = new ArrayList<>();
            int depth = r.nextInt(15);
            for (int s = 0; s < depth; s++) {
                steps.add(bytes(r, 32));
            }
            int version = r.nextInt();
            int nbits = 0x1d00ffff;
            JobWork job = JobWork.of(version, bytes(r, 32), nbits, prefix, suffix, MerkleBranch.of(steps), enSize);
            byte[] en1 = bytes(r, en1Size);
            for (int share = 0; share < 4; share++) {
                byte[] en2 = share == 3 ? bytes(r, enSize - en1Size) : (share == 0 ? bytes(r, enSize - en1Size) : null);
                if (en2 == null) {
                    en2 = lastEn2;
                }
                lastEn2 = en2;
                int ntime = r.nextInt();
                int nonce = r.nextInt();
                int rolled = share == 2 ? version ^ (r.nextInt() & 0x1fffe000) : version;
                byte[] coinbase = job.coinbase(en1, en2);
                byte[] acc = Sha256Hash.hashTwice(coinbase);
                for (byte[] s : steps) {
                    acc = Sha256Hash.hashTwice(acc, 0, 32, s, 0, 32);
                }
                byte[] header = BlockHeader.serialize(rolled, job.prevHashBytes(), acc, ntime, nbits, nonce);
                byte[] expected = Sha256Hash.hashTwice(header);
                for (ShareHasher h : hashers) {
                    ShareCheck c = h.check(job, en1, en2, ntime, nonce, rolled);
                    assertArrayEquals(expected, c.hash(), "share " + i + "/" + share);
                    assertArrayEquals(acc, c.merkleRoot());
                    assertEquals(rolled, c.version());
                    ShareCheck hc = h.checkHeader(job, acc, ntime, nonce, rolled);
                    assertArrayEquals(expected, hc.hash());
                }
            }
        }
    }

    private byte[] lastEn2;

    @Test
    void branchBuilderAgreesWithBitcoinjMerkleFold() {
        SplittableRandom r = new SplittableRandom(9);
        for (int n = 1; n <= 70; n++) {
            List<byte[]> txids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                txids.add(bytes(r, 32));
            }
            // reference: Core's merkle tree (odd levels duplicate the last node), via bitcoinj hashing
            List<byte[]> level = new ArrayList<>(txids);
            while (level.size() > 1) {
                List<byte[]> next = new ArrayList<>();
                for (int i = 0; i < level.size(); i += 2) {
                    byte[] a = level.get(i);
                    byte[] b = level.get(Math.min(i + 1, level.size() - 1));
                    next.add(Sha256Hash.hashTwice(a, 0, 32, b, 0, 32));
                }
                level = next;
            }
            assertArrayEquals(level.get(0), MerkleBranch.root(txids));
            MerkleBranch branch = MerkleBranch.forCoinbase(txids.subList(1, n));
            assertArrayEquals(level.get(0), branch.rootFrom(txids.get(0)), "n=" + n);
        }
    }

    static byte[] bytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }
}
