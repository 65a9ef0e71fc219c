package org.templar.pool.sv2.noise;

/** A Noise handshake or transport failure; the connection must be dropped. */
public final class NoiseException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why, in terms an operator can act on. */
    public enum Reason {
        /** A MAC did not verify: tampering, a replayed/reordered/dropped frame, or a different key. */
        BAD_MAC,
        /** The certificate is not signed by the authority key the client trusts. */
        WRONG_AUTHORITY,
        /** The certificate's not_valid_after is in the past. */
        CERTIFICATE_EXPIRED,
        /** The certificate's valid_from is in the future. */
        CERTIFICATE_NOT_YET_VALID,
        /** A handshake message of the wrong length or an unparseable field. */
        MALFORMED,
        /** A frame announces a payload over the configured limit. */
        FRAME_TOO_LARGE,
        /** The peer stopped (closed, or went quiet until the timeout) in the middle of a handshake act. */
        TRUNCATED,
        /** The peer sent nothing of its handshake act before the timeout. */
        HANDSHAKE_TIMEOUT,
        /** 2^64-1 messages were sent with one key; Noise forbids wrapping the nonce. */
        NONCE_EXHAUSTED
    }

    private final Reason reason;

    public NoiseException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
