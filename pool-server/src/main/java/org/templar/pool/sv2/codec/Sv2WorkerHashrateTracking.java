package org.templar.pool.sv2.codec;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Extension 0x0002, worker-specific hashrate tracking
 * (extensions/0x0002-worker-specific-hashrate-tracking.md): once negotiated, the client appends to
 * every SubmitSharesExtended one TLV of type (0x0002, 0x01) whose value is the UTF-8 user_identity
 * of the worker, unpadded, at most 32 bytes. That is the only field the extension defines.
 */
public final class Sv2WorkerHashrateTracking {
    public static final int EXTENSION_TYPE = 0x0002;
    public static final int FIELD_USER_IDENTITY = 0x01;
    public static final int MAX_USER_IDENTITY_BYTES = 32;

    private Sv2WorkerHashrateTracking() {
    }

    public static Sv2Tlv userIdentityTlv(String userIdentity) {
        byte[] utf8 = userIdentity.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > MAX_USER_IDENTITY_BYTES) {
            throw new Sv2CodecException("user_identity TLV is at most 32 bytes, got " + utf8.length);
        }
        return new Sv2Tlv(EXTENSION_TYPE, FIELD_USER_IDENTITY, Bytes.owned(utf8));
    }

    /** The worker name if the TLV is present (whether the extension was negotiated is the session's call). */
    public static Optional<String> userIdentity(Sv2Tlvs tlvs) {
        return tlvs.find(EXTENSION_TYPE, FIELD_USER_IDENTITY)
                .map(t -> new String(t.value().unsafeArray(), StandardCharsets.UTF_8));
    }

    /** The spec: a TLV longer than its extension allows MUST make the recipient reject the message. */
    static void checkLimits(Sv2Tlvs tlvs) {
        for (Sv2Tlv t : tlvs.fields()) {
            if (t.is(EXTENSION_TYPE, FIELD_USER_IDENTITY) && t.value().length() > MAX_USER_IDENTITY_BYTES) {
                throw new Sv2CodecException("user_identity TLV is at most 32 bytes, got " + t.value().length());
            }
        }
    }
}
