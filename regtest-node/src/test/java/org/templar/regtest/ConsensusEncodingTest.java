package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import org.bitcoinj.base.Sha256Hash;
import org.junit.jupiter.api.Test;

/**
 * The node's own consensus arithmetic (it shares none with the pool) against vectors from Bitcoin
 * Core's unit tests and chain: src/test/arith_uint256_tests.cpp (SetCompact), BIP34 pushes as
 * {@code CScript() << nHeight} writes them, and ComputeMerkleRoot's mutation flag.
 */
class ConsensusEncodingTest {

    private static void compact(int nbits, String hex, boolean negative, boolean overflow) {
        CompactBits c = CompactBits.decode(nbits);
        assertEquals(new BigInteger(hex, 16), c.target(), Integer.toHexString(nbits));
        assertEquals(negative, c.negative(), "negative " + Integer.toHexString(nbits));
        assertEquals(overflow, c.overflow(), "overflow " + Integer.toHexString(nbits));
    }

    @Test
    void compactBitsAsCoreSetCompact() {
        compact(0, "0", false, false);
        compact(0x00123456, "0", false, false);
        compact(0x01003456, "0", false, false);
        compact(0x02000056, "0", false, false);
        compact(0x03000000, "0", false, false);
        compact(0x04000000, "0", false, false);
        compact(0x00923456, "0", false, false); // the sign bit only counts on a non-zero shifted word
        compact(0x01803456, "0", false, false);
        compact(0x02800056, "0", false, false);
        compact(0x03800000, "0", false, false);
        compact(0x04800000, "0", false, false);
        compact(0x01123456, "12", false, false);
        compact(0x01fedcba, "7e", true, false);
        compact(0x02123456, "1234", false, false);
        compact(0x03123456, "123456", false, false);
        compact(0x04123456, "12345600", false, false);
        compact(0x04923456, "12345600", true, false);
        compact(0x05009234, "92340000", false, false);
        compact(0x20123456, "1234560000000000000000000000000000000000000000000000000000000000", false, false);
        assertTrue(CompactBits.decode(0xff123456).overflow());
        assertEquals(new BigInteger("7fffff", 16).shiftLeft(8 * 29), RegtestConsensus.POW_LIMIT);
    }

    @Test
    void proofOfWorkRefusesBadBitsAndHighHashes() {
        BigInteger limit = RegtestConsensus.POW_LIMIT;
        byte[] zeroHash = new byte[32];
        byte[] topHash = new byte[32];
        topHash[31] = (byte) 0x80; // internal order: the last byte is the most significant
        assertTrue(CompactBits.proofOfWorkValid(zeroHash, 0x207fffff, limit));
        assertFalse(CompactBits.proofOfWorkValid(topHash, 0x207fffff, limit));
        assertFalse(CompactBits.proofOfWorkValid(zeroHash, 0x04923456, limit)); // negative
        assertFalse(CompactBits.proofOfWorkValid(zeroHash, 0xff123456, limit)); // overflow
        assertFalse(CompactBits.proofOfWorkValid(zeroHash, 0x03000000, limit)); // zero
        assertFalse(CompactBits.proofOfWorkValid(zeroHash, 0x2100ffff, limit)); // above powLimit
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    @Test
    void bip34HeightPushAsCoreWritesIt() {
        assertArrayEquals(bytes(0x00), BlockRules.heightPush(0));
        assertArrayEquals(bytes(0x51), BlockRules.heightPush(1));
        assertArrayEquals(bytes(0x60), BlockRules.heightPush(16));
        assertArrayEquals(bytes(0x01, 0x11), BlockRules.heightPush(17));
        assertArrayEquals(bytes(0x01, 0x7f), BlockRules.heightPush(127));
        assertArrayEquals(bytes(0x02, 0x80, 0x00), BlockRules.heightPush(128));
        assertArrayEquals(bytes(0x02, 0xff, 0x7f), BlockRules.heightPush(32767));
        assertArrayEquals(bytes(0x03, 0x00, 0x80, 0x00), BlockRules.heightPush(32768));
        // mainnet block 227836, the first with a BIP34 height: scriptSig 03 fc7903
        assertArrayEquals(bytes(0x03, 0xfc, 0x79, 0x03), BlockRules.heightPush(227836));
        for (int h = 0; h < 70_000; h++) {
            assertArrayEquals(CoreEncodings.heightPush(h), BlockRules.heightPush(h), "height " + h);
        }
    }

    @Test
    void extraNonceIsAMinimalScriptNum() {
        assertArrayEquals(new byte[0], RegtestChain.scriptNum(0));
        assertArrayEquals(bytes(0x05), RegtestChain.scriptNum(5));
        assertArrayEquals(bytes(0x80, 0x00), RegtestChain.scriptNum(128));
        assertArrayEquals(bytes(0x00, 0x01), RegtestChain.scriptNum(256));
    }

    @Test
    void merkleRootAndMutation() {
        byte[] a = Sha256Hash.hashTwice(bytes(1));
        byte[] b = Sha256Hash.hashTwice(bytes(2));
        byte[] c = Sha256Hash.hashTwice(bytes(3));
        assertArrayEquals(new byte[32], Merkle.root(List.of()));
        assertArrayEquals(a, Merkle.root(List.of(a)));
        assertArrayEquals(Sha256Hash.hashTwice(a, b), Merkle.root(List.of(a, b)));
        byte[] abc = Sha256Hash.hashTwice(Sha256Hash.hashTwice(a, b), Sha256Hash.hashTwice(c, c));
        assertArrayEquals(abc, Merkle.root(List.of(a, b, c)));
        // [a b c] and [a b c c] have one root; only the second is flagged, as in Core
        assertFalse(Merkle.of(List.of(a, b, c)).mutated());
        assertTrue(Merkle.of(List.of(a, b, c, c)).mutated());
        assertArrayEquals(abc, Merkle.root(List.of(a, b, c, c)));
        assertArrayEquals(CoreEncodings.merkleRoot(List.of(a, b, c, a, b)), Merkle.root(List.of(a, b, c, a, b)));
    }
}
