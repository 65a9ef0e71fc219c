package org.templar.client.miner;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Transaction;

/**
 * A job built the way a pool builds one, independently of the code under test: a BIP34 coinbase split
 * around an 8-byte extranonce push, two other transactions, and the coinbase's merkle branch, all
 * hashed with bitcoinj. The previous hash is mainnet block 840,000 (the fourth halving), used only as a
 * realistic 32-byte value.
 */
record TestJob(String id, String prevHashDisplay, byte[] coinb1, byte[] coinb2, List<Transaction> others,
        List<byte[]> branch, int version, int nbits, int ntime) {

    static final String PREV_840000 = "0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5";
    static final int EN1_SIZE = 4;
    static final int EN2_SIZE = 4;
    /** bitcoinj's own difficulty-1 value, written out here so the test does not use the code under test. */
    static final BigInteger DIFF1 = new BigInteger("00000000FFFF0000000000000000000000000000000000000000000000000000", 16);
    private static final HexFormat HEX = HexFormat.of();

    static TestJob build(String id, int nbits, String tag) {
        int height = 840_001;
        ByteArrayOutputStream b1 = new ByteArrayOutputStream();
        b1.writeBytes(HEX.parseHex("02000000")); // tx version
        b1.write(1); // one input
        b1.writeBytes(new byte[32]);
        b1.writeBytes(HEX.parseHex("ffffffff"));
        byte[] tagBytes = tag.getBytes(StandardCharsets.US_ASCII);
        int scriptLen = 4 + 1 + EN1_SIZE + EN2_SIZE + 1 + tagBytes.length;
        b1.write(scriptLen);
        b1.write(3); // BIP34: push 3 bytes of height, little-endian
        b1.write(height & 0xff);
        b1.write((height >> 8) & 0xff);
        b1.write((height >> 16) & 0xff);
        b1.write(EN1_SIZE + EN2_SIZE); // push of the extranonce
        ByteArrayOutputStream b2 = new ByteArrayOutputStream();
        b2.write(tagBytes.length);
        b2.writeBytes(tagBytes);
        b2.writeBytes(HEX.parseHex("ffffffff")); // sequence
        b2.write(1); // one output
        b2.writeBytes(le64(312_500_000L));
        b2.write(22);
        b2.writeBytes(HEX.parseHex("0014" + "751e76e8199196d454941c45d1b3a323f1433bd6"));
        b2.writeBytes(new byte[4]); // locktime
        List<Transaction> others = List.of(spend(1, 50_000), spend(2, 70_000));
        List<byte[]> branch = branchFor(others);
        return new TestJob(id, PREV_840000, b1.toByteArray(), b2.toByteArray(), others, branch, 0x20000000, nbits,
                1_713_571_767);
    }

    TestJob withId(String newId) {
        return new TestJob(newId, prevHashDisplay, coinb1, coinb2, others, branch, version, nbits, ntime);
    }

    /** A plain one-in one-out transaction spending a made-up outpoint; only its txid matters here. */
    private static Transaction spend(int seed, long sats) {
        ByteArrayOutputStream t = new ByteArrayOutputStream();
        t.writeBytes(HEX.parseHex("01000000"));
        t.write(1);
        byte[] prev = Sha256Hash.hash(new byte[] {(byte) seed});
        t.writeBytes(prev);
        t.writeBytes(new byte[4]);
        t.write(0); // empty scriptSig
        t.writeBytes(HEX.parseHex("ffffffff"));
        t.write(1);
        t.writeBytes(le64(sats));
        t.write(22);
        t.writeBytes(HEX.parseHex("0014" + "0".repeat(37) + seed + "00"));
        t.writeBytes(new byte[4]);
        return Transaction.read(ByteBuffer.wrap(t.toByteArray()));
    }

    /** The coinbase's merkle branch: the sibling at each level, internal byte order. */
    private static List<byte[]> branchFor(List<Transaction> others) {
        List<byte[]> level = new ArrayList<>();
        level.add(null);
        others.forEach(tx -> level.add(reversed(tx.getTxId().getBytes())));
        List<byte[]> steps = new ArrayList<>();
        List<byte[]> cur = level;
        while (cur.size() > 1) {
            steps.add(cur.get(1));
            List<byte[]> next = new ArrayList<>();
            next.add(null);
            for (int i = 2; i < cur.size(); i += 2) {
                byte[] l = cur.get(i);
                byte[] r = i + 1 < cur.size() ? cur.get(i + 1) : l;
                next.add(Sha256Hash.hashTwice(l, r));
            }
            cur = next;
        }
        return steps;
    }

    /** The notify prevhash: internal-order bytes with each 4-byte word reversed. */
    String prevHashWire() {
        byte[] internal = reversed(Sha256Hash.wrap(prevHashDisplay).getBytes());
        byte[] out = new byte[32];
        for (int w = 0; w < 32; w += 4) {
            for (int i = 0; i < 4; i++) {
                out[w + i] = internal[w + 3 - i];
            }
        }
        return HEX.formatHex(out);
    }

    static BigInteger shareTarget(double difficulty) {
        return new BigDecimal(DIFF1).divide(new BigDecimal(difficulty), 0, RoundingMode.FLOOR).toBigInteger();
    }

    private static byte[] reversed(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }

    private static byte[] le64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }
}
