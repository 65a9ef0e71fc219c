package org.templar.pool.sv2.codec;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Every message this codec knows, with the numbers of 08-Message-Types.md and
 * extensions/0x0001-extensions-negotiation.md section 3.
 *
 * <p>Why one flat table works: message numbers are unique across Common (0x00-0x04), Mining
 * (0x10-0x25), Job Declaration (0x50-0x60) and Template Distribution (0x70-0x76), so a frame is
 * identified by (extension_type without the channel_msg bit, msg_type) alone, with no need to know
 * which subprotocol the connection negotiated. In particular Mining SetNewPrevHash is 0x20 and
 * Template Distribution SetNewPrevHash is 0x72: same name, different numbers, different records.
 * Extension 0x0001 reuses 0x00-0x02 but under extension_type 1, so the pair stays unique. Whether a
 * message is allowed on a connection is the session's decision ({@link #protocol()} tells it).
 */
public enum Sv2MessageType {
    SETUP_CONNECTION(0, 0x00, false, Sv2Protocol.COMMON),
    SETUP_CONNECTION_SUCCESS(0, 0x01, false, Sv2Protocol.COMMON),
    SETUP_CONNECTION_ERROR(0, 0x02, false, Sv2Protocol.COMMON),
    CHANNEL_ENDPOINT_CHANGED(0, 0x03, true, Sv2Protocol.COMMON),
    RECONNECT(0, 0x04, false, Sv2Protocol.COMMON),

    OPEN_STANDARD_MINING_CHANNEL(0, 0x10, false, Sv2Protocol.MINING),
    OPEN_STANDARD_MINING_CHANNEL_SUCCESS(0, 0x11, false, Sv2Protocol.MINING),
    OPEN_MINING_CHANNEL_ERROR(0, 0x12, false, Sv2Protocol.MINING),
    OPEN_EXTENDED_MINING_CHANNEL(0, 0x13, false, Sv2Protocol.MINING),
    OPEN_EXTENDED_MINING_CHANNEL_SUCCESS(0, 0x14, false, Sv2Protocol.MINING),
    NEW_MINING_JOB(0, 0x15, true, Sv2Protocol.MINING),
    UPDATE_CHANNEL(0, 0x16, true, Sv2Protocol.MINING),
    UPDATE_CHANNEL_ERROR(0, 0x17, true, Sv2Protocol.MINING),
    CLOSE_CHANNEL(0, 0x18, true, Sv2Protocol.MINING),
    SET_EXTRANONCE_PREFIX(0, 0x19, true, Sv2Protocol.MINING),
    SUBMIT_SHARES_STANDARD(0, 0x1a, true, Sv2Protocol.MINING),
    SUBMIT_SHARES_EXTENDED(0, 0x1b, true, Sv2Protocol.MINING),
    SUBMIT_SHARES_SUCCESS(0, 0x1c, true, Sv2Protocol.MINING),
    SUBMIT_SHARES_ERROR(0, 0x1d, true, Sv2Protocol.MINING),
    // 0x1e is reserved by the spec.
    NEW_EXTENDED_MINING_JOB(0, 0x1f, true, Sv2Protocol.MINING),
    MINING_SET_NEW_PREV_HASH(0, 0x20, true, Sv2Protocol.MINING),
    SET_TARGET(0, 0x21, true, Sv2Protocol.MINING),
    SET_CUSTOM_MINING_JOB(0, 0x22, true, Sv2Protocol.MINING),
    SET_CUSTOM_MINING_JOB_SUCCESS(0, 0x23, true, Sv2Protocol.MINING),
    SET_CUSTOM_MINING_JOB_ERROR(0, 0x24, true, Sv2Protocol.MINING),
    SET_GROUP_CHANNEL(0, 0x25, false, Sv2Protocol.MINING),

    ALLOCATE_MINING_JOB_TOKEN(0, 0x50, false, Sv2Protocol.JOB_DECLARATION),
    ALLOCATE_MINING_JOB_TOKEN_SUCCESS(0, 0x51, false, Sv2Protocol.JOB_DECLARATION),
    PROVIDE_MISSING_TRANSACTIONS(0, 0x55, false, Sv2Protocol.JOB_DECLARATION),
    PROVIDE_MISSING_TRANSACTIONS_SUCCESS(0, 0x56, false, Sv2Protocol.JOB_DECLARATION),
    DECLARE_MINING_JOB(0, 0x57, false, Sv2Protocol.JOB_DECLARATION),
    DECLARE_MINING_JOB_SUCCESS(0, 0x58, false, Sv2Protocol.JOB_DECLARATION),
    DECLARE_MINING_JOB_ERROR(0, 0x59, false, Sv2Protocol.JOB_DECLARATION),
    PUSH_SOLUTION(0, 0x60, false, Sv2Protocol.JOB_DECLARATION),

    COINBASE_OUTPUT_CONSTRAINTS(0, 0x70, false, Sv2Protocol.TEMPLATE_DISTRIBUTION),
    NEW_TEMPLATE(0, 0x71, false, Sv2Protocol.TEMPLATE_DISTRIBUTION),
    TDP_SET_NEW_PREV_HASH(0, 0x72, false, Sv2Protocol.TEMPLATE_DISTRIBUTION),
    REQUEST_TRANSACTION_DATA(0, 0x73, false, Sv2Protocol.TEMPLATE_DISTRIBUTION),
    REQUEST_TRANSACTION_DATA_SUCCESS(0, 0x74, false, Sv2Protocol.TEMPLATE_DISTRIBUTION),
    REQUEST_TRANSACTION_DATA_ERROR(0, 0x75, false, Sv2Protocol.TEMPLATE_DISTRIBUTION),
    SUBMIT_SOLUTION(0, 0x76, false, Sv2Protocol.TEMPLATE_DISTRIBUTION),

    REQUEST_EXTENSIONS(1, 0x00, false, Sv2Protocol.EXTENSIONS_NEGOTIATION),
    REQUEST_EXTENSIONS_SUCCESS(1, 0x01, false, Sv2Protocol.EXTENSIONS_NEGOTIATION),
    REQUEST_EXTENSIONS_ERROR(1, 0x02, false, Sv2Protocol.EXTENSIONS_NEGOTIATION);

    private static final Map<Integer, Sv2MessageType> BY_KEY = new HashMap<>();

    static {
        for (Sv2MessageType t : values()) {
            if (BY_KEY.put(key(t.extensionType, t.msgType), t) != null) {
                throw new ExceptionInInitializerError("duplicate SV2 message number for " + t);
            }
        }
    }

    private final int extensionType;
    private final int msgType;
    private final boolean channelMessage;
    private final Sv2Protocol protocol;

    Sv2MessageType(int extensionType, int msgType, boolean channelMessage, Sv2Protocol protocol) {
        this.extensionType = extensionType;
        this.msgType = msgType;
        this.channelMessage = channelMessage;
        this.protocol = protocol;
    }

    private static int key(int extensionType, int msgType) {
        return (extensionType << 8) | msgType;
    }

    /** Looks a frame up; {@code extensionType} must already have the channel_msg bit stripped. */
    public static Optional<Sv2MessageType> lookup(int extensionType, int msgType) {
        return Optional.ofNullable(BY_KEY.get(key(extensionType, msgType)));
    }

    /** extension_type without the channel_msg bit: 0 for core messages. */
    public int extensionType() {
        return extensionType;
    }

    public int msgType() {
        return msgType;
    }

    /** The channel_msg bit the spec assigns; when set, the payload begins with a U32 channel_id. */
    public boolean channelMessage() {
        return channelMessage;
    }

    public Sv2Protocol protocol() {
        return protocol;
    }
}
