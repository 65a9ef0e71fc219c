package org.templar.pool.sv2.codec;

import static org.templar.pool.sv2.codec.Sv2Protocol.COMMON;
import static org.templar.pool.sv2.codec.Sv2Protocol.EXTENSIONS_NEGOTIATION;
import static org.templar.pool.sv2.codec.Sv2Protocol.JOB_DECLARATION;
import static org.templar.pool.sv2.codec.Sv2Protocol.MINING;
import static org.templar.pool.sv2.codec.Sv2Protocol.TEMPLATE_DISTRIBUTION;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Every message this codec knows, with the numbers of 08-Message-Types.md and
 * extensions/0x0001-extensions-negotiation.md section 3 (and the draft 0x0003 payouts extension): its numbers, channel_msg bit and
 * subprotocol, the record that carries it and that record's decoder. This table is the one place a
 * message is registered: {@link Sv2MessageCodec} decodes through it and a record finds its own
 * numbers here ({@link Sv2SpecMessage#type()}), so adding a message is one record and one entry.
 *
 * <p>Why one flat table works: message numbers are unique across Common (0x00-0x04), Mining
 * (0x10-0x25), Job Declaration (0x50-0x60) and Template Distribution (0x70-0x76), so a frame is
 * identified by (extension_type without the channel_msg bit, msg_type) alone, with no need to know
 * which subprotocol the connection negotiated. In particular Mining SetNewPrevHash is 0x20 and
 * Template Distribution SetNewPrevHash is 0x72: same name, different numbers, different records.
 * Extension 0x0001 reuses 0x00-0x02 but under extension_type 1, so the pair stays unique. Whether a
 * message is allowed on a connection is the session's decision ({@link #protocol()} tells it).
 *
 * <p>The order of the entries is part of the fuzz corpus (the message fuzzer picks a type by its
 * index): add new messages at the end.
 */
public enum Sv2MessageType {
    SETUP_CONNECTION(0, 0x00, false, COMMON, Sv2Common.SetupConnection.class, Sv2Common.SetupConnection::decode),
    SETUP_CONNECTION_SUCCESS(0, 0x01, false, COMMON,
            Sv2Common.SetupConnectionSuccess.class, Sv2Common.SetupConnectionSuccess::decode),
    SETUP_CONNECTION_ERROR(0, 0x02, false, COMMON,
            Sv2Common.SetupConnectionError.class, Sv2Common.SetupConnectionError::decode),
    CHANNEL_ENDPOINT_CHANGED(0, 0x03, true, COMMON,
            Sv2Common.ChannelEndpointChanged.class, Sv2Common.ChannelEndpointChanged::decode),
    RECONNECT(0, 0x04, false, COMMON, Sv2Common.Reconnect.class, Sv2Common.Reconnect::decode),

    OPEN_STANDARD_MINING_CHANNEL(0, 0x10, false, MINING,
            Sv2Mining.OpenStandardMiningChannel.class, Sv2Mining.OpenStandardMiningChannel::decode),
    OPEN_STANDARD_MINING_CHANNEL_SUCCESS(0, 0x11, false, MINING,
            Sv2Mining.OpenStandardMiningChannelSuccess.class, Sv2Mining.OpenStandardMiningChannelSuccess::decode),
    OPEN_MINING_CHANNEL_ERROR(0, 0x12, false, MINING,
            Sv2Mining.OpenMiningChannelError.class, Sv2Mining.OpenMiningChannelError::decode),
    OPEN_EXTENDED_MINING_CHANNEL(0, 0x13, false, MINING,
            Sv2Mining.OpenExtendedMiningChannel.class, Sv2Mining.OpenExtendedMiningChannel::decode),
    OPEN_EXTENDED_MINING_CHANNEL_SUCCESS(0, 0x14, false, MINING,
            Sv2Mining.OpenExtendedMiningChannelSuccess.class, Sv2Mining.OpenExtendedMiningChannelSuccess::decode),
    NEW_MINING_JOB(0, 0x15, true, MINING, Sv2Mining.NewMiningJob.class, Sv2Mining.NewMiningJob::decode),
    UPDATE_CHANNEL(0, 0x16, true, MINING, Sv2Mining.UpdateChannel.class, Sv2Mining.UpdateChannel::decode),
    UPDATE_CHANNEL_ERROR(0, 0x17, true, MINING,
            Sv2Mining.UpdateChannelError.class, Sv2Mining.UpdateChannelError::decode),
    CLOSE_CHANNEL(0, 0x18, true, MINING, Sv2Mining.CloseChannel.class, Sv2Mining.CloseChannel::decode),
    SET_EXTRANONCE_PREFIX(0, 0x19, true, MINING,
            Sv2Mining.SetExtranoncePrefix.class, Sv2Mining.SetExtranoncePrefix::decode),
    SUBMIT_SHARES_STANDARD(0, 0x1a, true, MINING,
            Sv2Mining.SubmitSharesStandard.class, Sv2Mining.SubmitSharesStandard::decode),
    SUBMIT_SHARES_EXTENDED(0, 0x1b, true, MINING,
            Sv2Mining.SubmitSharesExtended.class, Sv2Mining.SubmitSharesExtended::decode),
    SUBMIT_SHARES_SUCCESS(0, 0x1c, true, MINING,
            Sv2Mining.SubmitSharesSuccess.class, Sv2Mining.SubmitSharesSuccess::decode),
    SUBMIT_SHARES_ERROR(0, 0x1d, true, MINING, Sv2Mining.SubmitSharesError.class, Sv2Mining.SubmitSharesError::decode),
    // 0x1e is reserved by the spec.
    NEW_EXTENDED_MINING_JOB(0, 0x1f, true, MINING,
            Sv2Mining.NewExtendedMiningJob.class, Sv2Mining.NewExtendedMiningJob::decode),
    MINING_SET_NEW_PREV_HASH(0, 0x20, true, MINING, Sv2Mining.SetNewPrevHash.class, Sv2Mining.SetNewPrevHash::decode),
    SET_TARGET(0, 0x21, true, MINING, Sv2Mining.SetTarget.class, Sv2Mining.SetTarget::decode),
    SET_CUSTOM_MINING_JOB(0, 0x22, true, MINING,
            Sv2Mining.SetCustomMiningJob.class, Sv2Mining.SetCustomMiningJob::decode),
    SET_CUSTOM_MINING_JOB_SUCCESS(0, 0x23, true, MINING,
            Sv2Mining.SetCustomMiningJobSuccess.class, Sv2Mining.SetCustomMiningJobSuccess::decode),
    SET_CUSTOM_MINING_JOB_ERROR(0, 0x24, true, MINING,
            Sv2Mining.SetCustomMiningJobError.class, Sv2Mining.SetCustomMiningJobError::decode),
    SET_GROUP_CHANNEL(0, 0x25, false, MINING, Sv2Mining.SetGroupChannel.class, Sv2Mining.SetGroupChannel::decode),

    ALLOCATE_MINING_JOB_TOKEN(0, 0x50, false, JOB_DECLARATION,
            Sv2JobDeclaration.AllocateMiningJobToken.class, Sv2JobDeclaration.AllocateMiningJobToken::decode),
    ALLOCATE_MINING_JOB_TOKEN_SUCCESS(0, 0x51, false, JOB_DECLARATION,
            Sv2JobDeclaration.AllocateMiningJobTokenSuccess.class,
            Sv2JobDeclaration.AllocateMiningJobTokenSuccess::decode),
    PROVIDE_MISSING_TRANSACTIONS(0, 0x55, false, JOB_DECLARATION,
            Sv2JobDeclaration.ProvideMissingTransactions.class, Sv2JobDeclaration.ProvideMissingTransactions::decode),
    PROVIDE_MISSING_TRANSACTIONS_SUCCESS(0, 0x56, false, JOB_DECLARATION,
            Sv2JobDeclaration.ProvideMissingTransactionsSuccess.class,
            Sv2JobDeclaration.ProvideMissingTransactionsSuccess::decode),
    DECLARE_MINING_JOB(0, 0x57, false, JOB_DECLARATION,
            Sv2JobDeclaration.DeclareMiningJob.class, Sv2JobDeclaration.DeclareMiningJob::decode),
    DECLARE_MINING_JOB_SUCCESS(0, 0x58, false, JOB_DECLARATION,
            Sv2JobDeclaration.DeclareMiningJobSuccess.class, Sv2JobDeclaration.DeclareMiningJobSuccess::decode),
    DECLARE_MINING_JOB_ERROR(0, 0x59, false, JOB_DECLARATION,
            Sv2JobDeclaration.DeclareMiningJobError.class, Sv2JobDeclaration.DeclareMiningJobError::decode),
    PUSH_SOLUTION(0, 0x60, false, JOB_DECLARATION,
            Sv2JobDeclaration.PushSolution.class, Sv2JobDeclaration.PushSolution::decode),

    COINBASE_OUTPUT_CONSTRAINTS(0, 0x70, false, TEMPLATE_DISTRIBUTION,
            Sv2TemplateDistribution.CoinbaseOutputConstraints.class,
            Sv2TemplateDistribution.CoinbaseOutputConstraints::decode),
    NEW_TEMPLATE(0, 0x71, false, TEMPLATE_DISTRIBUTION,
            Sv2TemplateDistribution.NewTemplate.class, Sv2TemplateDistribution.NewTemplate::decode),
    TDP_SET_NEW_PREV_HASH(0, 0x72, false, TEMPLATE_DISTRIBUTION,
            Sv2TemplateDistribution.SetNewPrevHash.class, Sv2TemplateDistribution.SetNewPrevHash::decode),
    REQUEST_TRANSACTION_DATA(0, 0x73, false, TEMPLATE_DISTRIBUTION,
            Sv2TemplateDistribution.RequestTransactionData.class,
            Sv2TemplateDistribution.RequestTransactionData::decode),
    REQUEST_TRANSACTION_DATA_SUCCESS(0, 0x74, false, TEMPLATE_DISTRIBUTION,
            Sv2TemplateDistribution.RequestTransactionDataSuccess.class,
            Sv2TemplateDistribution.RequestTransactionDataSuccess::decode),
    REQUEST_TRANSACTION_DATA_ERROR(0, 0x75, false, TEMPLATE_DISTRIBUTION,
            Sv2TemplateDistribution.RequestTransactionDataError.class,
            Sv2TemplateDistribution.RequestTransactionDataError::decode),
    SUBMIT_SOLUTION(0, 0x76, false, TEMPLATE_DISTRIBUTION,
            Sv2TemplateDistribution.SubmitSolution.class, Sv2TemplateDistribution.SubmitSolution::decode),

    REQUEST_EXTENSIONS(1, 0x00, false, EXTENSIONS_NEGOTIATION,
            Sv2ExtensionsNegotiation.RequestExtensions.class, Sv2ExtensionsNegotiation.RequestExtensions::decode),
    REQUEST_EXTENSIONS_SUCCESS(1, 0x01, false, EXTENSIONS_NEGOTIATION,
            Sv2ExtensionsNegotiation.RequestExtensionsSuccess.class,
            Sv2ExtensionsNegotiation.RequestExtensionsSuccess::decode),
    REQUEST_EXTENSIONS_ERROR(1, 0x02, false, EXTENSIONS_NEGOTIATION,
            Sv2ExtensionsNegotiation.RequestExtensionsError.class,
            Sv2ExtensionsNegotiation.RequestExtensionsError::decode),

    // Extension 0x0003 (draft), a Job Declaration extension: same 0x00-0x02 under extension_type 3.
    REQUEST_PAYOUT_OUTPUTS(3, 0x00, false, JOB_DECLARATION,
            Sv2NonCustodialPayouts.RequestPayoutOutputs.class, Sv2NonCustodialPayouts.RequestPayoutOutputs::decode),
    REQUEST_PAYOUT_OUTPUTS_SUCCESS(3, 0x01, false, JOB_DECLARATION,
            Sv2NonCustodialPayouts.RequestPayoutOutputsSuccess.class,
            Sv2NonCustodialPayouts.RequestPayoutOutputsSuccess::decode),
    REQUEST_PAYOUT_OUTPUTS_ERROR(3, 0x02, false, JOB_DECLARATION,
            Sv2NonCustodialPayouts.RequestPayoutOutputsError.class,
            Sv2NonCustodialPayouts.RequestPayoutOutputsError::decode);

    private static final Map<Integer, Sv2MessageType> BY_KEY = new HashMap<>();
    private static final Map<Class<?>, Sv2MessageType> BY_RECORD = new HashMap<>();

    static {
        for (Sv2MessageType t : values()) {
            if (BY_KEY.put(key(t.extensionType, t.msgType), t) != null) {
                throw new ExceptionInInitializerError("duplicate SV2 message number for " + t);
            }
            if (BY_RECORD.put(t.record, t) != null) {
                throw new ExceptionInInitializerError("two SV2 message types for " + t.record.getName());
            }
        }
    }

    /** A record's type, looked up once per record class (encoding asks for it on every message). */
    private static final ClassValue<Sv2MessageType> OF_RECORD = new ClassValue<>() {
        @Override
        protected Sv2MessageType computeValue(Class<?> type) {
            Sv2MessageType t = BY_RECORD.get(type);
            if (t == null) {
                throw new IllegalStateException(type.getName() + " has no entry in Sv2MessageType");
            }
            return t;
        }
    };

    private final int extensionType;
    private final int msgType;
    private final boolean channelMessage;
    private final Sv2Protocol protocol;
    private final Class<? extends Sv2SpecMessage> record;
    private final Function<Sv2Reader, ? extends Sv2SpecMessage> decoder;

    <T extends Sv2SpecMessage> Sv2MessageType(int extensionType, int msgType, boolean channelMessage,
            Sv2Protocol protocol, Class<T> record, Function<Sv2Reader, T> decoder) {
        this.extensionType = extensionType;
        this.msgType = msgType;
        this.channelMessage = channelMessage;
        this.protocol = protocol;
        this.record = record;
        this.decoder = decoder;
    }

    /** The type of a message record (the entry naming its class). */
    static Sv2MessageType of(Class<? extends Sv2SpecMessage> record) {
        return OF_RECORD.get(record);
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

    /** The record that carries this message. */
    public Class<? extends Sv2SpecMessage> record() {
        return record;
    }

    /** The message's name as the spec writes it, from its record (e.g. SetupConnectionSuccess). */
    public String messageName() {
        return record.getSimpleName();
    }

    /**
     * Reads this message's fields from a payload, leaving any trailing bytes (TLVs) unread; refuses
     * bad input with {@link Sv2CodecException}, or with IllegalArgumentException from the record's
     * own validation.
     */
    public Sv2SpecMessage decode(Sv2Reader payload) {
        return decoder.apply(payload);
    }
}
