package org.templar.pool.sv2.transport;

import org.templar.pool.sv2.noise.SignatureNoiseMessage;

/**
 * User event fired by {@link NoiseHandler} when the handshake has finished and plaintext frames may
 * flow. On the client side {@code serverCertificate} is the certificate that was verified against
 * the pinned authority key; on the server side it is the certificate that was presented.
 */
public record NoiseHandshakeComplete(boolean initiator, SignatureNoiseMessage serverCertificate) {
}
