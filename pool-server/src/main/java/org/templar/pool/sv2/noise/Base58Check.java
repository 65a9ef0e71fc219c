package org.templar.pool.sv2.noise;

import java.util.Arrays;

import org.bitcoinj.base.Base58;
import org.templar.share.Sha256;

/** Base58check without bitcoinj's one-byte version convention: the payload is encoded as given. */
final class Base58Check {

    private Base58Check() {
    }

    static String encode(byte[] payload) {
        byte[] checksum = Sha256.hashTwice(payload);
        byte[] all = Arrays.copyOf(payload, payload.length + 4);
        System.arraycopy(checksum, 0, all, payload.length, 4);
        return Base58.encode(all);
    }

    static byte[] decode(String text, String what) {
        byte[] all;
        try {
            all = Base58.decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not base58: " + e.getMessage());
        }
        if (all.length < 4) {
            throw new IllegalArgumentException(what + " is too short");
        }
        byte[] payload = Arrays.copyOf(all, all.length - 4);
        byte[] checksum = Sha256.hashTwice(payload);
        for (int i = 0; i < 4; i++) {
            if (checksum[i] != all[payload.length + i]) {
                throw new IllegalArgumentException(what + " has a bad base58check checksum (mistyped?)");
            }
        }
        return payload;
    }
}
