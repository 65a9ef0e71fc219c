package org.templar.pool.sv2.codec;

import static org.templar.pool.sv2.codec.Sv2Check.maxLength;
import static org.templar.pool.sv2.codec.Sv2Check.notNull;
import static org.templar.pool.sv2.codec.Sv2Check.u16;
import static org.templar.pool.sv2.codec.Sv2Check.u32;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Mining protocol messages (05-Mining-Protocol.md section 5.3; numbers in 08-Message-Types.md).
 * U32 fields are Java longs in 0..2^32-1, U64 fields longs holding the 64 bits, U256 fields raw
 * little-endian bytes.
 */
public final class Sv2Mining {
    private Sv2Mining() {
    }

    private static Bytes b0_32(Bytes v, String field) {
        return maxLength(v, 32, field);
    }

    /** OpenStandardMiningChannel (0x10), 5.3.2. */
    public record OpenStandardMiningChannel(long requestId, Str0255 userIdentity, float nominalHashRate,
            U256 maxTarget) implements Sv2SpecMessage {
        public OpenStandardMiningChannel {
            u32(requestId, "request_id");
            notNull(userIdentity, "user_identity");
            notNull(maxTarget, "max_target");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).str0_255(userIdentity).f32(nominalHashRate).u256(maxTarget);
        }

        public static OpenStandardMiningChannel decode(Sv2Reader r) {
            return new OpenStandardMiningChannel(r.u32("request_id"), r.str0_255("user_identity"),
                    r.f32("nominal_hash_rate"), r.u256("max_target"));
        }
    }

    /** OpenStandardMiningChannel.Success (0x11), 5.3.3. */
    public record OpenStandardMiningChannelSuccess(long requestId, long channelId, U256 target,
            Bytes extranoncePrefix, long groupChannelId) implements Sv2SpecMessage {
        public OpenStandardMiningChannelSuccess {
            u32(requestId, "request_id");
            u32(channelId, "channel_id");
            u32(groupChannelId, "group_channel_id");
            notNull(target, "target");
            b0_32(extranoncePrefix, "extranonce_prefix");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).u32(channelId).u256(target).b0_32(extranoncePrefix).u32(groupChannelId);
        }

        public static OpenStandardMiningChannelSuccess decode(Sv2Reader r) {
            return new OpenStandardMiningChannelSuccess(r.u32("request_id"), r.u32("channel_id"), r.u256("target"),
                    r.b0_32("extranonce_prefix"), r.u32("group_channel_id"));
        }
    }

    /** OpenMiningChannel.Error (0x12), 5.3.6, answers both open requests. */
    public record OpenMiningChannelError(long requestId, Str0255 errorCode) implements Sv2SpecMessage {
        public OpenMiningChannelError {
            u32(requestId, "request_id");
            notNull(errorCode, "error_code");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).str0_255(errorCode);
        }

        public static OpenMiningChannelError decode(Sv2Reader r) {
            return new OpenMiningChannelError(r.u32("request_id"), r.str0_255("error_code"));
        }
    }

    /** OpenExtendedMiningChannel (0x13), 5.3.4: the standard fields plus min_extranonce_size. */
    public record OpenExtendedMiningChannel(long requestId, Str0255 userIdentity, float nominalHashRate,
            U256 maxTarget, int minExtranonceSize) implements Sv2SpecMessage {
        public OpenExtendedMiningChannel {
            u32(requestId, "request_id");
            notNull(userIdentity, "user_identity");
            notNull(maxTarget, "max_target");
            u16(minExtranonceSize, "min_extranonce_size");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).str0_255(userIdentity).f32(nominalHashRate).u256(maxTarget).u16(minExtranonceSize);
        }

        public static OpenExtendedMiningChannel decode(Sv2Reader r) {
            return new OpenExtendedMiningChannel(r.u32("request_id"), r.str0_255("user_identity"),
                    r.f32("nominal_hash_rate"), r.u256("max_target"), r.u16("min_extranonce_size"));
        }
    }

    /** OpenExtendedMiningChannel.Success (0x14), 5.3.5. */
    public record OpenExtendedMiningChannelSuccess(long requestId, long channelId, U256 target, int extranonceSize,
            Bytes extranoncePrefix, long groupChannelId) implements Sv2SpecMessage {
        public OpenExtendedMiningChannelSuccess {
            u32(requestId, "request_id");
            u32(channelId, "channel_id");
            u32(groupChannelId, "group_channel_id");
            notNull(target, "target");
            u16(extranonceSize, "extranonce_size");
            b0_32(extranoncePrefix, "extranonce_prefix");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).u32(channelId).u256(target).u16(extranonceSize).b0_32(extranoncePrefix)
                    .u32(groupChannelId);
        }

        public static OpenExtendedMiningChannelSuccess decode(Sv2Reader r) {
            return new OpenExtendedMiningChannelSuccess(r.u32("request_id"), r.u32("channel_id"), r.u256("target"),
                    r.u16("extranonce_size"), r.b0_32("extranonce_prefix"), r.u32("group_channel_id"));
        }
    }

    /** NewMiningJob (0x15), 5.3.15: empty min_ntime marks a future job awaiting SetNewPrevHash. */
    public record NewMiningJob(long channelId, long jobId, OptionalLong minNtime, long version, U256 merkleRoot)
            implements Sv2ChannelMessage {
        public NewMiningJob {
            u32(channelId, "channel_id");
            u32(jobId, "job_id");
            u32(version, "version");
            notNull(minNtime, "min_ntime").ifPresent(v -> u32(v, "min_ntime"));
            notNull(merkleRoot, "merkle_root");
        }

        public boolean isFutureJob() {
            return minNtime.isEmpty();
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).u32(jobId).optionU32(minNtime).u32(version).u256(merkleRoot);
        }

        public static NewMiningJob decode(Sv2Reader r) {
            return new NewMiningJob(r.u32("channel_id"), r.u32("job_id"), r.optionU32("min_ntime"), r.u32("version"),
                    r.u256("merkle_root"));
        }
    }

    /** UpdateChannel (0x16), 5.3.7. */
    public record UpdateChannel(long channelId, float nominalHashRate, U256 maximumTarget)
            implements Sv2ChannelMessage {
        public UpdateChannel {
            u32(channelId, "channel_id");
            notNull(maximumTarget, "maximum_target");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).f32(nominalHashRate).u256(maximumTarget);
        }

        public static UpdateChannel decode(Sv2Reader r) {
            return new UpdateChannel(r.u32("channel_id"), r.f32("nominal_hash_rate"), r.u256("maximum_target"));
        }
    }

    /** UpdateChannel.Error (0x17), 5.3.8. */
    public record UpdateChannelError(long channelId, Str0255 errorCode) implements Sv2ChannelMessage {
        public UpdateChannelError {
            u32(channelId, "channel_id");
            notNull(errorCode, "error_code");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).str0_255(errorCode);
        }

        public static UpdateChannelError decode(Sv2Reader r) {
            return new UpdateChannelError(r.u32("channel_id"), r.str0_255("error_code"));
        }
    }

    /** CloseChannel (0x18), 5.3.9, either direction. */
    public record CloseChannel(long channelId, Str0255 reasonCode) implements Sv2ChannelMessage {
        public CloseChannel {
            u32(channelId, "channel_id");
            notNull(reasonCode, "reason_code");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).str0_255(reasonCode);
        }

        public static CloseChannel decode(Sv2Reader r) {
            return new CloseChannel(r.u32("channel_id"), r.str0_255("reason_code"));
        }
    }

    /** SetExtranoncePrefix (0x19), 5.3.10. */
    public record SetExtranoncePrefix(long channelId, Bytes extranoncePrefix) implements Sv2ChannelMessage {
        public SetExtranoncePrefix {
            u32(channelId, "channel_id");
            b0_32(extranoncePrefix, "extranonce_prefix");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).b0_32(extranoncePrefix);
        }

        public static SetExtranoncePrefix decode(Sv2Reader r) {
            return new SetExtranoncePrefix(r.u32("channel_id"), r.b0_32("extranonce_prefix"));
        }
    }

    /** SubmitSharesStandard (0x1a), 5.3.11. */
    public record SubmitSharesStandard(long channelId, long sequenceNumber, long jobId, long nonce, long ntime,
            long version) implements Sv2ChannelMessage {
        public SubmitSharesStandard {
            u32(channelId, "channel_id");
            u32(sequenceNumber, "sequence_number");
            u32(jobId, "job_id");
            u32(nonce, "nonce");
            u32(ntime, "ntime");
            u32(version, "version");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).u32(sequenceNumber).u32(jobId).u32(nonce).u32(ntime).u32(version);
        }

        public static SubmitSharesStandard decode(Sv2Reader r) {
            return new SubmitSharesStandard(r.u32("channel_id"), r.u32("sequence_number"), r.u32("job_id"),
                    r.u32("nonce"), r.u32("ntime"), r.u32("version"));
        }
    }

    /**
     * SubmitSharesExtended (0x1b), 5.3.12: the standard fields plus extranonce, then any TLV fields.
     * Extension 0x0002 puts the worker's user_identity there ({@link #userIdentity()}).
     */
    public record SubmitSharesExtended(long channelId, long sequenceNumber, long jobId, long nonce, long ntime,
            long version, Bytes extranonce, Sv2Tlvs tlvs) implements Sv2ChannelMessage {
        public SubmitSharesExtended {
            u32(channelId, "channel_id");
            u32(sequenceNumber, "sequence_number");
            u32(jobId, "job_id");
            u32(nonce, "nonce");
            u32(ntime, "ntime");
            u32(version, "version");
            b0_32(extranonce, "extranonce");
            notNull(tlvs, "tlvs");
            Sv2WorkerHashrateTracking.checkLimits(tlvs);
        }

        /** Without TLV fields (no extension negotiated). */
        public SubmitSharesExtended(long channelId, long sequenceNumber, long jobId, long nonce, long ntime,
                long version, Bytes extranonce) {
            this(channelId, sequenceNumber, jobId, nonce, ntime, version, extranonce, Sv2Tlvs.NONE);
        }

        /** A copy carrying the extension 0x0002 user_identity TLV (replacing any previous one). */
        public SubmitSharesExtended withUserIdentity(String worker) {
            List<Sv2Tlv> fields = new java.util.ArrayList<>();
            for (Sv2Tlv t : tlvs.fields()) {
                if (!t.is(Sv2WorkerHashrateTracking.EXTENSION_TYPE, Sv2WorkerHashrateTracking.FIELD_USER_IDENTITY)) {
                    fields.add(t);
                }
            }
            fields.add(Sv2WorkerHashrateTracking.userIdentityTlv(worker));
            // TLVs MUST be ordered by extension_type (spec 3.4.3).
            fields.sort(java.util.Comparator.comparingInt(Sv2Tlv::extensionType));
            return new SubmitSharesExtended(channelId, sequenceNumber, jobId, nonce, ntime, version, extranonce,
                    new Sv2Tlvs(fields, tlvs.byteOrder()));
        }

        public Optional<String> userIdentity() {
            return Sv2WorkerHashrateTracking.userIdentity(tlvs);
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).u32(sequenceNumber).u32(jobId).u32(nonce).u32(ntime).u32(version).b0_32(extranonce);
            tlvs.encode(w);
        }

        public static SubmitSharesExtended decode(Sv2Reader r) {
            return new SubmitSharesExtended(r.u32("channel_id"), r.u32("sequence_number"), r.u32("job_id"),
                    r.u32("nonce"), r.u32("ntime"), r.u32("version"), r.b0_32("extranonce"),
                    Sv2Tlvs.decodeRemaining(r, "SubmitSharesExtended"));
        }
    }

    /** SubmitShares.Success (0x1c), 5.3.13: acknowledges a batch. new_shares_sum is a U64. */
    public record SubmitSharesSuccess(long channelId, long lastSequenceNumber, long newSubmitsAcceptedCount,
            long newSharesSum) implements Sv2ChannelMessage {
        public SubmitSharesSuccess {
            u32(channelId, "channel_id");
            u32(lastSequenceNumber, "last_sequence_number");
            u32(newSubmitsAcceptedCount, "new_submits_accepted_count");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).u32(lastSequenceNumber).u32(newSubmitsAcceptedCount).u64(newSharesSum);
        }

        public static SubmitSharesSuccess decode(Sv2Reader r) {
            return new SubmitSharesSuccess(r.u32("channel_id"), r.u32("last_sequence_number"),
                    r.u32("new_submits_accepted_count"), r.u64("new_shares_sum"));
        }
    }

    /** SubmitShares.Error (0x1d), 5.3.14. */
    public record SubmitSharesError(long channelId, long sequenceNumber, Str0255 errorCode)
            implements Sv2ChannelMessage {
        public SubmitSharesError {
            u32(channelId, "channel_id");
            u32(sequenceNumber, "sequence_number");
            notNull(errorCode, "error_code");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).u32(sequenceNumber).str0_255(errorCode);
        }

        public static SubmitSharesError decode(Sv2Reader r) {
            return new SubmitSharesError(r.u32("channel_id"), r.u32("sequence_number"), r.str0_255("error_code"));
        }
    }

    /** NewExtendedMiningJob (0x1f), 5.3.16. merkle_path deepest first; coinbase halves without BIP141 data. */
    public record NewExtendedMiningJob(long channelId, long jobId, OptionalLong minNtime, long version,
            boolean versionRollingAllowed, List<U256> merklePath, Bytes coinbaseTxPrefix, Bytes coinbaseTxSuffix)
            implements Sv2ChannelMessage {
        public NewExtendedMiningJob {
            u32(channelId, "channel_id");
            u32(jobId, "job_id");
            u32(version, "version");
            notNull(minNtime, "min_ntime").ifPresent(v -> u32(v, "min_ntime"));
            merklePath = Sv2Check.seq(merklePath, 255, "merkle_path");
            maxLength(coinbaseTxPrefix, 0xffff, "coinbase_tx_prefix");
            maxLength(coinbaseTxSuffix, 0xffff, "coinbase_tx_suffix");
        }

        public boolean isFutureJob() {
            return minNtime.isEmpty();
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).u32(jobId).optionU32(minNtime).u32(version).bool(versionRollingAllowed)
                    .seq0_255(merklePath, Sv2Writer::u256).b0_64k(coinbaseTxPrefix).b0_64k(coinbaseTxSuffix);
        }

        public static NewExtendedMiningJob decode(Sv2Reader r) {
            return new NewExtendedMiningJob(r.u32("channel_id"), r.u32("job_id"), r.optionU32("min_ntime"),
                    r.u32("version"), r.bool("version_rolling_allowed"), r.seq0_255("merkle_path", Sv2Reader::u256),
                    r.b0_64k("coinbase_tx_prefix"), r.b0_64k("coinbase_tx_suffix"));
        }
    }

    /** SetNewPrevHash (Mining, 0x20), 5.3.17. Not the Template Distribution message 0x72. */
    public record SetNewPrevHash(long channelId, long jobId, U256 prevHash, long minNtime, long nbits)
            implements Sv2ChannelMessage {
        public SetNewPrevHash {
            u32(channelId, "channel_id");
            u32(jobId, "job_id");
            u32(minNtime, "min_ntime");
            u32(nbits, "nbits");
            notNull(prevHash, "prev_hash");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).u32(jobId).u256(prevHash).u32(minNtime).u32(nbits);
        }

        public static SetNewPrevHash decode(Sv2Reader r) {
            return new SetNewPrevHash(r.u32("channel_id"), r.u32("job_id"), r.u256("prev_hash"), r.u32("min_ntime"),
                    r.u32("nbits"));
        }
    }

    /** SetTarget (0x21), 5.3.21. */
    public record SetTarget(long channelId, U256 maximumTarget) implements Sv2ChannelMessage {
        public SetTarget {
            u32(channelId, "channel_id");
            notNull(maximumTarget, "maximum_target");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).u256(maximumTarget);
        }

        public static SetTarget decode(Sv2Reader r) {
            return new SetTarget(r.u32("channel_id"), r.u256("maximum_target"));
        }
    }

    /** SetCustomMiningJob (0x22), 5.3.18: a job declared through Job Declaration, opened on an extended channel. */
    public record SetCustomMiningJob(long channelId, long requestId, Bytes miningJobToken, long version,
            U256 prevHash, long minNtime, long nbits, long coinbaseTxVersion, Bytes coinbasePrefix,
            long coinbaseTxInputNSequence, Bytes coinbaseTxOutputs, long coinbaseTxLocktime, List<U256> merklePath)
            implements Sv2ChannelMessage {
        public SetCustomMiningJob {
            u32(channelId, "channel_id");
            u32(requestId, "request_id");
            u32(version, "version");
            u32(minNtime, "min_ntime");
            u32(nbits, "nbits");
            u32(coinbaseTxVersion, "coinbase_tx_version");
            u32(coinbaseTxInputNSequence, "coinbase_tx_input_nSequence");
            u32(coinbaseTxLocktime, "coinbase_tx_locktime");
            maxLength(miningJobToken, 255, "mining_job_token");
            notNull(prevHash, "prev_hash");
            maxLength(coinbasePrefix, 255, "coinbase_prefix");
            maxLength(coinbaseTxOutputs, 0xffff, "coinbase_tx_outputs");
            merklePath = Sv2Check.seq(merklePath, 255, "merkle_path");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).u32(requestId).b0_255(miningJobToken).u32(version).u256(prevHash).u32(minNtime)
                    .u32(nbits).u32(coinbaseTxVersion).b0_255(coinbasePrefix).u32(coinbaseTxInputNSequence)
                    .b0_64k(coinbaseTxOutputs).u32(coinbaseTxLocktime).seq0_255(merklePath, Sv2Writer::u256);
        }

        public static SetCustomMiningJob decode(Sv2Reader r) {
            return new SetCustomMiningJob(r.u32("channel_id"), r.u32("request_id"), r.b0_255("mining_job_token"),
                    r.u32("version"), r.u256("prev_hash"), r.u32("min_ntime"), r.u32("nbits"),
                    r.u32("coinbase_tx_version"), r.b0_255("coinbase_prefix"), r.u32("coinbase_tx_input_nSequence"),
                    r.b0_64k("coinbase_tx_outputs"), r.u32("coinbase_tx_locktime"),
                    r.seq0_255("merkle_path", Sv2Reader::u256));
        }
    }

    /** SetCustomMiningJob.Success (0x23), 5.3.19. */
    public record SetCustomMiningJobSuccess(long channelId, long requestId, long jobId) implements Sv2ChannelMessage {
        public SetCustomMiningJobSuccess {
            u32(channelId, "channel_id");
            u32(requestId, "request_id");
            u32(jobId, "job_id");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).u32(requestId).u32(jobId);
        }

        public static SetCustomMiningJobSuccess decode(Sv2Reader r) {
            return new SetCustomMiningJobSuccess(r.u32("channel_id"), r.u32("request_id"), r.u32("job_id"));
        }
    }

    /** SetCustomMiningJob.Error (0x24), 5.3.20. */
    public record SetCustomMiningJobError(long channelId, long requestId, Str0255 errorCode)
            implements Sv2ChannelMessage {
        public SetCustomMiningJobError {
            u32(channelId, "channel_id");
            u32(requestId, "request_id");
            notNull(errorCode, "error_code");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId).u32(requestId).str0_255(errorCode);
        }

        public static SetCustomMiningJobError decode(Sv2Reader r) {
            return new SetCustomMiningJobError(r.u32("channel_id"), r.u32("request_id"), r.str0_255("error_code"));
        }
    }

    /** SetGroupChannel (0x25), 5.3.22; channel_msg bit unset although it concerns channels. */
    public record SetGroupChannel(long groupChannelId, List<Long> channelIds) implements Sv2SpecMessage {
        public SetGroupChannel {
            u32(groupChannelId, "group_channel_id");
            channelIds = Sv2Check.seqU32(channelIds, 0xffff, "channel_ids");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(groupChannelId).seq0_64k(channelIds, Sv2Writer::u32);
        }

        public static SetGroupChannel decode(Sv2Reader r) {
            return new SetGroupChannel(r.u32("group_channel_id"), r.seq0_64k("channel_ids", Sv2Reader::u32));
        }
    }
}
