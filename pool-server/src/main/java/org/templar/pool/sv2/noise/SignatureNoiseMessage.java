package org.templar.pool.sv2.noise;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The certificate a Stratum V2 server sends (encrypted) in handshake act 2: version U16,
 * valid_from U32, not_valid_after U32 (unix seconds, little-endian), and a BIP340 signature by the
 * authority key over SHA256(version || valid_from || not_valid_after || server static x-only key).
 * The server key itself is not in the message: the client takes it from the same act.
 */
public final class SignatureNoiseMessage {

    public static final int LENGTH = 74;
    /** The only certificate format the spec defines. */
    public static final int CURRENT_VERSION = 0;
    private static final long U32_MAX = 0xFFFF_FFFFL;

    private final int version;
    private final long validFrom;
    private final long notValidAfter;
    private final byte[] signature;

    private SignatureNoiseMessage(int version, long validFrom, long notValidAfter, byte[] signature) {
        if (version < 0 || version > 0xFFFF) {
            throw new IllegalArgumentException("version is a U16");
        }
        if (validFrom < 0 || validFrom > U32_MAX || notValidAfter < 0 || notValidAfter > U32_MAX) {
            throw new IllegalArgumentException("validity times are U32 unix seconds");
        }
        if (signature.length != Schnorr.SIGNATURE_LENGTH) {
            throw new IllegalArgumentException("signature is 64 bytes");
        }
        this.version = version;
        this.validFrom = validFrom;
        this.notValidAfter = notValidAfter;
        this.signature = signature.clone();
    }

    public static SignatureNoiseMessage of(int version, long validFrom, long notValidAfter, byte[] signature) {
        return new SignatureNoiseMessage(version, validFrom, notValidAfter, signature);
    }

    /** Signs a certificate for a server static key, valid over [validFrom, notValidAfter] (unix seconds). */
    public static SignatureNoiseMessage issue(AuthorityKeyPair authority, byte[] serverXOnly, long validFrom,
            long notValidAfter, SecureRandom random) {
        if (notValidAfter < validFrom) {
            throw new IllegalArgumentException("not_valid_after before valid_from");
        }
        byte[] hash = signedHash(CURRENT_VERSION, validFrom, notValidAfter, serverXOnly);
        return new SignatureNoiseMessage(CURRENT_VERSION, validFrom, notValidAfter, authority.sign(hash, random));
    }

    public static SignatureNoiseMessage decode(byte[] bytes) throws NoiseException {
        if (bytes.length != LENGTH) {
            throw new NoiseException(NoiseException.Reason.MALFORMED,
                    "certificate is " + LENGTH + " bytes, got " + bytes.length);
        }
        int version = (bytes[0] & 0xff) | (bytes[1] & 0xff) << 8;
        long validFrom = u32(bytes, 2);
        long notValidAfter = u32(bytes, 6);
        return new SignatureNoiseMessage(version, validFrom, notValidAfter, Arrays.copyOfRange(bytes, 10, LENGTH));
    }

    public byte[] encode() {
        byte[] out = new byte[LENGTH];
        writeSignedFields(out, version, validFrom, notValidAfter);
        System.arraycopy(signature, 0, out, 10, 64);
        return out;
    }

    /**
     * Checks the signature against the trusted authority, then the validity window. The window is
     * inclusive at both ends: "invalid after" not_valid_after.
     */
    public void verify(AuthorityPublicKey authority, byte[] serverXOnly, long nowEpochSeconds) throws NoiseException {
        // The version is signed, so any version the authority signed is accepted (liberal, as the
        // reference implementation and the spec disagree on it); only the signature decides.
        byte[] hash = signedHash(version, validFrom, notValidAfter, serverXOnly);
        if (!Schnorr.verify(authority.xOnly(), hash, signature)) {
            throw new NoiseException(NoiseException.Reason.WRONG_AUTHORITY,
                    "server certificate does not verify with authority " + authority.toBase58()
                            + " for the static key the server presented");
        }
        if (nowEpochSeconds < validFrom) {
            throw new NoiseException(NoiseException.Reason.CERTIFICATE_NOT_YET_VALID,
                    "server certificate valid from " + validFrom + ", now " + nowEpochSeconds);
        }
        if (nowEpochSeconds > notValidAfter) {
            throw new NoiseException(NoiseException.Reason.CERTIFICATE_EXPIRED,
                    "server certificate expired at " + notValidAfter + ", now " + nowEpochSeconds);
        }
    }

    static byte[] signedHash(int version, long validFrom, long notValidAfter, byte[] serverXOnly) {
        if (serverXOnly.length != 32) {
            throw new IllegalArgumentException("server key is 32 bytes x-only");
        }
        byte[] fields = new byte[10];
        writeSignedFields(fields, version, validFrom, notValidAfter);
        MessageDigest digest = ElligatorSwift.newSha256();
        digest.update(fields);
        digest.update(serverXOnly);
        return digest.digest();
    }

    private static void writeSignedFields(byte[] out, int version, long validFrom, long notValidAfter) {
        out[0] = (byte) version;
        out[1] = (byte) (version >>> 8);
        for (int i = 0; i < 4; i++) {
            out[2 + i] = (byte) (validFrom >>> (8 * i));
            out[6 + i] = (byte) (notValidAfter >>> (8 * i));
        }
    }

    private static long u32(byte[] b, int off) {
        return (b[off] & 0xffL) | (b[off + 1] & 0xffL) << 8 | (b[off + 2] & 0xffL) << 16 | (b[off + 3] & 0xffL) << 24;
    }

    public int version() {
        return version;
    }

    public long validFrom() {
        return validFrom;
    }

    public long notValidAfter() {
        return notValidAfter;
    }

    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignatureNoiseMessage m && m.version == version && m.validFrom == validFrom
                && m.notValidAfter == notValidAfter && Arrays.equals(m.signature, signature);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "SignatureNoiseMessage[version=" + version + ", validFrom=" + validFrom + ", notValidAfter="
                + notValidAfter + "]";
    }
}
