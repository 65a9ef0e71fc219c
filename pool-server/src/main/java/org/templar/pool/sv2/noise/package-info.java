/**
 * Stratum V2 cryptography, free of any I/O: secp256k1 helpers, BIP324 ElligatorSwift and x-only
 * ECDH, BIP340 Schnorr (via BouncyCastle), the Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256
 * handshake as two state machines over byte arrays ({@link org.templar.pool.sv2.noise.NoiseInitiator},
 * {@link org.templar.pool.sv2.noise.NoiseResponder}), the transport framing
 * ({@link org.templar.pool.sv2.noise.NoiseSession}), certificates and the authority keys.
 * The Netty side lives in {@code org.templar.pool.sv2.transport}.
 */
package org.templar.pool.sv2.noise;
