package org.templar.pool.sv2.noise;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;

/**
 * What a Stratum V2 server presents in the handshake: a static Noise key and the authority's
 * certificate for it. A fresh static key is made per issue, so the authority secret key never
 * takes part in a handshake itself.
 */
public final class ServerIdentity {

    private final NoiseKeyPair staticKey;
    private final SignatureNoiseMessage certificate;

    private ServerIdentity(NoiseKeyPair staticKey, SignatureNoiseMessage certificate) {
        this.staticKey = staticKey;
        this.certificate = certificate;
    }

    /** A new static key with a certificate valid from {@code validFrom} for {@code validity}. */
    public static ServerIdentity issue(AuthorityKeyPair authority, Instant validFrom, Duration validity,
            SecureRandom random) {
        if (validity.isNegative()) {
            throw new IllegalArgumentException("validity must not be negative");
        }
        NoiseKeyPair key = NoiseKeyPair.generate(random);
        long from = validFrom.getEpochSecond();
        long until = Math.min(0xFFFF_FFFFL, from + validity.getSeconds());
        return new ServerIdentity(key,
                SignatureNoiseMessage.issue(authority, key.xOnly(), from, until, random));
    }

    /** For callers (and tests) that already hold a key and a certificate for it. */
    public static ServerIdentity of(NoiseKeyPair staticKey, SignatureNoiseMessage certificate) {
        return new ServerIdentity(staticKey, certificate);
    }

    public NoiseKeyPair staticKey() {
        return staticKey;
    }

    public SignatureNoiseMessage certificate() {
        return certificate;
    }
}
