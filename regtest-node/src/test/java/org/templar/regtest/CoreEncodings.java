package org.templar.regtest;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.base.internal.ByteUtils;

/**
 * How the tests build what they submit: Core's encodings written out once more for the test side,
 * deliberately in another form than the node's (recursion here, bitcoinj's compact decoder, hand
 * written BIP34 pushes), so that a slip in the node's own code is not mirrored in the blocks that
 * test it. Hashes are in internal byte order.
 */
final class CoreEncodings {
    private CoreEncodings() {}

    /** {@code CScript() << height} (script.h push_int64): OP_0, OP_1..OP_16, else a minimal CScriptNum push. */
    static byte[] heightPush(int height) {
        if (height == 0) {
            return new byte[] {0x00};
        }
        if (height >= 1 && height <= 16) {
            return new byte[] {(byte) (0x50 + height)};
        }
        List<Byte> num = new ArrayList<>();
        for (int v = height; v != 0; v >>>= 8) {
            num.add((byte) v);
        }
        if ((num.get(num.size() - 1) & 0x80) != 0) {
            num.add((byte) 0); // the top bit would read as a sign
        }
        byte[] push = new byte[num.size() + 1];
        push[0] = (byte) num.size();
        for (int i = 0; i < num.size(); i++) {
            push[i + 1] = num.get(i);
        }
        return push;
    }

    /** ComputeMerkleRoot: pair up, repeat an odd last hash, until one is left. */
    static byte[] merkleRoot(List<byte[]> hashes) {
        if (hashes.size() == 1) {
            return hashes.get(0);
        }
        List<byte[]> up = new ArrayList<>();
        for (int i = 0; i < hashes.size(); i += 2) {
            byte[] right = hashes.get(Math.min(i + 1, hashes.size() - 1));
            up.add(Sha256Hash.hashTwice(hashes.get(i), right));
        }
        return merkleRoot(up);
    }

    static byte[] header(int version, byte[] prevInternal, byte[] merkleRoot, int time, int bits, int nonce) {
        byte[] h = new byte[80];
        writeIntLe(h, 0, version);
        System.arraycopy(prevInternal, 0, h, 4, 32);
        System.arraycopy(merkleRoot, 0, h, 36, 32);
        writeIntLe(h, 68, time);
        writeIntLe(h, 72, bits);
        writeIntLe(h, 76, nonce);
        return h;
    }

    static void writeIntLe(byte[] b, int offset, int v) {
        ByteUtils.writeInt32LE(Integer.toUnsignedLong(v), b, offset);
    }

    /** SHA-256d of the 80 header bytes. */
    static byte[] headerHash(byte[] header) {
        return Sha256Hash.hashTwice(header, 0, 80);
    }

    /** The hash, as a little-endian number, is at most the target that bitcoinj decodes from {@code bits}. */
    static boolean meetsTarget(byte[] hashInternal, int bits) {
        BigInteger target = ByteUtils.decodeCompactBits(Integer.toUnsignedLong(bits));
        return new BigInteger(1, ByteUtils.reverseBytes(hashInternal)).compareTo(target) <= 0;
    }
}
