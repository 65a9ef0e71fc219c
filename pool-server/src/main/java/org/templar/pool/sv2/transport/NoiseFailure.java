package org.templar.pool.sv2.transport;

import org.templar.pool.sv2.noise.NoiseException;

/**
 * User event fired by {@link NoiseHandler} just before it closes a connection it refuses (bad MAC,
 * wrong authority, expired certificate, truncated act, handshake timeout, oversized frame).
 */
public record NoiseFailure(NoiseException.Reason reason, String message, boolean duringHandshake) {
    /**
     * Bytes that cannot be Stratum V2 (a MAC that does not verify after the handshake, a malformed
     * handshake, an oversized frame), as opposed to a client that went away or was too slow: what the
     * automatic bans count as a protocol error.
     */
    public boolean isGarbage() {
        return reason == NoiseException.Reason.MALFORMED || reason == NoiseException.Reason.FRAME_TOO_LARGE
                || (reason == NoiseException.Reason.BAD_MAC && !duringHandshake);
    }
}
