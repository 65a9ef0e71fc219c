package org.templar.pool.sv2.transport;

import org.templar.pool.sv2.noise.NoiseException;

/**
 * User event fired by {@link NoiseHandler} just before it closes a connection it refuses (bad MAC,
 * wrong authority, expired certificate, truncated act, handshake timeout, oversized frame).
 */
public record NoiseFailure(NoiseException.Reason reason, String message, boolean duringHandshake) {
}
