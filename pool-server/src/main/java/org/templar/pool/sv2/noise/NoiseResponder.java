package org.templar.pool.sv2.noise;

import java.security.SecureRandom;

/**
 * The server side of the Stratum V2 NX handshake, over byte arrays: {@link #readAct1} takes the
 * client's 64-byte ephemeral key and returns act 2 (234 bytes); {@link #session()} is then ready.
 * One use only.
 */
public final class NoiseResponder {

    private final ServerIdentity identity;
    private final SecureRandom random;
    private final SymmetricState symmetric = new SymmetricState();
    private NoiseSession session;
    private boolean used;

    private NoiseResponder(ServerIdentity identity, SecureRandom random) {
        this.identity = identity;
        this.random = random;
    }

    public static NoiseResponder create(ServerIdentity identity, SecureRandom random) {
        return new NoiseResponder(identity, random);
    }

    /** Reads act 1 ({@code -> e}) and writes act 2 ({@code <- e, ee, s, es, SIGNATURE_NOISE_MESSAGE}). */
    public byte[] readAct1(byte[] act1) throws NoiseException {
        if (used) {
            throw new IllegalStateException("responder already used");
        }
        used = true;
        if (act1.length != NoiseInitiator.ACT1_LENGTH) {
            throw new NoiseException(NoiseException.Reason.MALFORMED,
                    "act 1 is " + NoiseInitiator.ACT1_LENGTH + " bytes, got " + act1.length);
        }
        byte[] remoteEphemeral = act1.clone();
        symmetric.mixHash(remoteEphemeral);
        symmetric.decryptAndHash(new byte[0]);

        NoiseKeyPair ephemeral = NoiseKeyPair.generate(random);
        NoiseKeyPair staticKey = identity.staticKey();
        byte[] out = new byte[NoiseInitiator.ACT2_LENGTH];
        byte[] e = ephemeral.ellSwift();
        System.arraycopy(e, 0, out, 0, 64);
        symmetric.mixHash(e);
        symmetric.mixKey(ephemeral.ecdh(remoteEphemeral, false));
        byte[] encryptedStatic = symmetric.encryptAndHash(staticKey.ellSwift());
        System.arraycopy(encryptedStatic, 0, out, 64, encryptedStatic.length);
        symmetric.mixKey(staticKey.ecdh(remoteEphemeral, false));
        byte[] encryptedCertificate = symmetric.encryptAndHash(identity.certificate().encode());
        System.arraycopy(encryptedCertificate, 0, out, 144, encryptedCertificate.length);

        CipherState[] ciphers = symmetric.split();
        // c1 carries initiator -> responder traffic, so the responder receives with it.
        session = new NoiseSession(ciphers[1], ciphers[0], symmetric.handshakeHash());
        return out;
    }

    /** The transport session, once act 2 has been written. */
    public NoiseSession session() {
        if (session == null) {
            throw new IllegalStateException("handshake not finished");
        }
        return session;
    }
}
