package org.templar.pool.sv2.noise;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The client side of the Stratum V2 NX handshake, over byte arrays: {@link #writeAct1()} (64 bytes:
 * our ephemeral key), then {@link #readAct2} (234 bytes: server ephemeral, encrypted static key,
 * encrypted certificate) which authenticates the server against the pinned authority key and
 * yields the transport session. One use only.
 */
public final class NoiseInitiator {

    public static final int ACT1_LENGTH = ElligatorSwift.ENCODED_LENGTH;
    /** 64 ephemeral + (64 + 16) static + (74 + 16) certificate; the spec's "170" predates EllSwift. */
    public static final int ACT2_LENGTH = 64 + 64 + CipherState.MAC_LENGTH + SignatureNoiseMessage.LENGTH
            + CipherState.MAC_LENGTH;

    private enum Step { START, SENT_ACT1, DONE }

    private final AuthorityPublicKey authority;
    private final SecureRandom random;
    private final SymmetricState symmetric = new SymmetricState();
    private NoiseKeyPair ephemeral;
    private Step step = Step.START;
    private SignatureNoiseMessage serverCertificate;

    private NoiseInitiator(AuthorityPublicKey authority, SecureRandom random) {
        this.authority = authority;
        this.random = random;
    }

    /** A client that will only accept servers certified by {@code authority}; there is no "skip". */
    public static NoiseInitiator create(AuthorityPublicKey authority, SecureRandom random) {
        if (authority == null) {
            throw new IllegalArgumentException("an authority public key is required to authenticate the server");
        }
        return new NoiseInitiator(authority, random);
    }

    /** Act 1: {@code -> e}. */
    public byte[] writeAct1() {
        if (step != Step.START) {
            throw new IllegalStateException("act 1 already written");
        }
        ephemeral = NoiseKeyPair.generate(random);
        byte[] e = ephemeral.ellSwift();
        symmetric.mixHash(e);
        // EncryptAndHash of the empty payload with no key yet: MixHash of nothing.
        symmetric.mixHash(new byte[0]);
        step = Step.SENT_ACT1;
        return e;
    }

    /**
     * Act 2: {@code <- e, ee, s, es, SIGNATURE_NOISE_MESSAGE}, then server authentication against
     * the authority key at {@code nowEpochSeconds}.
     */
    public NoiseSession readAct2(byte[] act2, long nowEpochSeconds) throws NoiseException {
        if (step != Step.SENT_ACT1) {
            throw new IllegalStateException("act 2 read out of order");
        }
        step = Step.DONE;
        if (act2.length != ACT2_LENGTH) {
            throw new NoiseException(NoiseException.Reason.MALFORMED,
                    "act 2 is " + ACT2_LENGTH + " bytes, got " + act2.length);
        }
        byte[] remoteEphemeral = Arrays.copyOfRange(act2, 0, 64);
        symmetric.mixHash(remoteEphemeral);
        symmetric.mixKey(ephemeral.ecdh(remoteEphemeral, true));
        byte[] remoteStatic = symmetric.decryptAndHash(Arrays.copyOfRange(act2, 64, 144));
        symmetric.mixKey(ephemeral.ecdh(remoteStatic, true));
        byte[] certificateBytes = symmetric.decryptAndHash(Arrays.copyOfRange(act2, 144, ACT2_LENGTH));
        SignatureNoiseMessage certificate = SignatureNoiseMessage.decode(certificateBytes);
        certificate.verify(authority, ElligatorSwift.decode(remoteStatic), nowEpochSeconds);
        serverCertificate = certificate;
        CipherState[] ciphers = symmetric.split();
        return new NoiseSession(ciphers[0], ciphers[1], symmetric.handshakeHash());
    }

    /** The verified certificate, after a successful act 2. */
    public SignatureNoiseMessage serverCertificate() {
        return serverCertificate;
    }
}
