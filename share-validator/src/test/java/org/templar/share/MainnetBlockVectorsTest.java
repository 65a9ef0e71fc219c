package org.templar.share;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real mainnet blocks (sources in src/test/resources/vectors/README.md): the header hashes to the
 * block hash, the coinbase and the other txids give the header's merkle root, and the full share
 * path (coinbase split around an "extranonce" -> branch -> header) reproduces the block hash, on both
 * hashing engines, for many split points (exercising prefix midstates of 0, 1 and 2 blocks).
 */
@Timeout(60)
class MainnetBlockVectorsTest {

    record Vector(String name, long height, String hashDisplay, byte[] header, byte[] coinbase, List<byte[]> txids) {}

    static Vector load(String resource) throws IOException {
        try (InputStream in = MainnetBlockVectorsTest.class.getResourceAsStream("/vectors/" + resource);
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            long height = -1;
            String hash = null;
            byte[] header = null;
            byte[] coinbase = null;
            int count = -1;
            List<byte[]> txids = new ArrayList<>();
            for (String line; (line = r.readLine()) != null; ) {
                String[] kv = line.split(" ", 2);
                switch (kv[0]) {
                    case "height" -> height = Long.parseLong(kv[1]);
                    case "hash" -> hash = kv[1];
                    case "header" -> header = Hex.decode(kv[1]);
                    case "coinbase" -> coinbase = Hex.decode(kv[1]);
                    case "txcount" -> count = Integer.parseInt(kv[1]);
                    case "txid" -> txids.add(Hex.reverse(Hex.decode(kv[1])));
                    default -> throw new IllegalStateException("bad line " + line);
                }
            }
            if (count >= 0) {
                assertEquals(count, txids.size(), resource + ": tx count");
            }
            return new Vector(resource, height, hash, header, coinbase, txids);
        }
    }

    static Stream<Arguments> fullBlocks() {
        return Stream.of("block0.txt", "block363703.txt", "block383616.txt", "block481829.txt").map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("fullBlocks")
    void headerHashesToTheBlockHashAndMeetsItsOwnTarget(String resource) throws IOException {
        Vector v = load(resource);
        byte[] hash = BlockHeader.hash(v.header());
        assertEquals(v.hashDisplay(), Hex.encode(Hex.reverse(hash)));
        int nbits = BlockHeader.readIntLe(v.header(), 72);
        assertTrue(Target.fromCompact(nbits).isMetBy(hash), "proof of work");
    }

    @Test
    void block125552FromTheWikiHashingExample() throws IOException {
        Vector v = load("block125552.txt");
        byte[] hash = BlockHeader.hash(v.header());
        assertEquals("1dbd981fe6985776b644b173a4d0385ddc1aa2a829688d1e0000000000000000", Hex.encode(hash));
        assertEquals(v.hashDisplay(), Hex.encode(Hex.reverse(hash)));
        assertTrue(Target.fromCompact(0x1a44b9f2).isMetBy(hash));
        // the same header through the share path (header-only share, both engines)
        JobWork job = JobWork.of(1, Arrays.copyOfRange(v.header(), 4, 36), 0x1a44b9f2, new byte[0], new byte[0],
                MerkleBranch.of(List.of()), 0);
        for (ShareHasher h : hashers()) {
            ShareCheck c = h.checkHeader(job, Arrays.copyOfRange(v.header(), 36, 68), 0x4dd7f5c7, 0x9546a142, 1);
            assertArrayEquals(hash, c.hash());
            assertTrue(c.isBlockCandidate());
        }
    }

    @ParameterizedTest
    @MethodSource("fullBlocks")
    void coinbaseAndTxidsGiveTheHeadersMerkleRoot(String resource) throws IOException {
        Vector v = load(resource);
        byte[] root = Arrays.copyOfRange(v.header(), 36, 68);
        byte[] coinbaseTxid = Sha256.hashTwice(v.coinbase());
        assertArrayEquals(v.txids().get(0), coinbaseTxid, "coinbase txid");
        assertArrayEquals(root, MerkleBranch.root(v.txids()));
        MerkleBranch branch = MerkleBranch.forCoinbase(v.txids().subList(1, v.txids().size()));
        int expectedLevels = 32 - Integer.numberOfLeadingZeros(v.txids().size() - 1);
        assertEquals(expectedLevels, branch.size(), "branch depth = ceil(log2(tx count))");
        assertArrayEquals(root, branch.rootFrom(coinbaseTxid));
    }

    @ParameterizedTest
    @MethodSource("fullBlocks")
    void bip34HeightIsTheFirstPushOfTheCoinbase(String resource) throws IOException {
        Vector v = load(resource);
        if (v.height() < 227_931) {
            return; // BIP34 activated at 227931; the genesis scriptSig starts with nbits instead
        }
        byte[] scriptSig = scriptSig(v.coinbase());
        assertEquals(v.height(), CoinbaseHeight.decode(scriptSig));
        byte[] push = CoinbaseHeight.encodePush((int) v.height());
        assertArrayEquals(push, Arrays.copyOf(scriptSig, push.length));
    }

    @ParameterizedTest
    @MethodSource("fullBlocks")
    void fullSharePathReproducesTheBlockHash(String resource) throws IOException {
        Vector v = load(resource);
        byte[] header = v.header();
        int version = BlockHeader.readIntLe(header, 0);
        int ntime = BlockHeader.readIntLe(header, 68);
        int nbits = BlockHeader.readIntLe(header, 72);
        int nonce = BlockHeader.readIntLe(header, 76);
        byte[] prev = Arrays.copyOfRange(header, 4, 36);
        byte[] blockHash = BlockHeader.hash(header);
        MerkleBranch branch = MerkleBranch.forCoinbase(v.txids().subList(1, v.txids().size()));
        byte[] cb = v.coinbase();
        List<ShareHasher> hashers = hashers();
        // Every split point with 8 extranonce bytes: prefixes of 0..len-8 bytes, so midstates of
        // several whole blocks and every tail alignment are covered.
        for (int split = 0; split + 8 <= cb.length; split += 3) {
            for (int en1Len : new int[] {0, 4, 8}) {
                JobWork job = JobWork.of(version, prev, nbits, Arrays.copyOf(cb, split),
                        Arrays.copyOfRange(cb, split + 8, cb.length), branch, 8);
                byte[] en1 = Arrays.copyOfRange(cb, split, split + en1Len);
                byte[] en2 = Arrays.copyOfRange(cb, split + en1Len, split + 8);
                for (ShareHasher h : hashers) {
                    for (int repeat = 0; repeat < 2; repeat++) { // second time from the merkle cache
                        ShareCheck c = h.check(job, en1, en2, ntime, nonce, version);
                        assertArrayEquals(blockHash, c.hash(), v.name() + " split " + split);
                        assertArrayEquals(Arrays.copyOfRange(header, 36, 68), c.merkleRoot());
                        assertTrue(c.isBlockCandidate());
                    }
                }
                assertArrayEquals(cb, job.coinbase(en1, en2));
            }
        }
        for (ShareHasher h : hashers) {
            if (h.merkleCacheMisses() > 0) {
                assertTrue(h.merkleCacheHits() > 0, "repeated shares must hit the merkle cache");
            }
        }
    }

    static List<ShareHasher> hashers() {
        List<ShareHasher> l = new ArrayList<>();
        l.add(new ShareHasher(64, false)); // MessageDigest engine
        l.add(new ShareHasher(0, false)); // no cache
        if (Sha256Compressor.INTRINSIC) {
            l.add(new ShareHasher(64, true));
            l.add(new ShareHasher(0, true));
        }
        return l;
    }

    @Test
    void testsRunWithTheIntrinsicEngineReachable() {
        // surefire opens sun.security.provider (see pom.xml): without this the fast path goes untested
        assertTrue(Sha256Compressor.INTRINSIC);
        assertTrue(new ShareHasher().usesCompressionEngine());
    }

    /** The scriptSig of a non-witness coinbase: version(4) count(1) prevout(36) varint length. */
    static byte[] scriptSig(byte[] coinbase) {
        int len = coinbase[41] & 0xff;
        return Arrays.copyOfRange(coinbase, 42, 42 + len);
    }
}
