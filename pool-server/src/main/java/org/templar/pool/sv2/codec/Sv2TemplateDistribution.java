package org.templar.pool.sv2.codec;

import static org.templar.pool.sv2.codec.Sv2Check.maxLength;
import static org.templar.pool.sv2.codec.Sv2Check.notNull;
import static org.templar.pool.sv2.codec.Sv2Check.u16;
import static org.templar.pool.sv2.codec.Sv2Check.u32;

import java.util.List;

/**
 * Template Distribution protocol messages (07-Template-Distribution-Protocol.md). template_id is a
 * U64 carried in a Java long (compare with Long.compareUnsigned).
 */
public final class Sv2TemplateDistribution {
    private Sv2TemplateDistribution() {
    }

    /** CoinbaseOutputConstraints (0x70), 7.1. */
    public record CoinbaseOutputConstraints(long coinbaseOutputMaxAdditionalSize,
            int coinbaseOutputMaxAdditionalSigops) implements Sv2SpecMessage {
        public CoinbaseOutputConstraints {
            u32(coinbaseOutputMaxAdditionalSize, "coinbase_output_max_additional_size");
            u16(coinbaseOutputMaxAdditionalSigops, "coinbase_output_max_additional_sigops");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(coinbaseOutputMaxAdditionalSize).u16(coinbaseOutputMaxAdditionalSigops);
        }

        public static CoinbaseOutputConstraints decode(Sv2Reader r) {
            return new CoinbaseOutputConstraints(r.u32("coinbase_output_max_additional_size"),
                    r.u16("coinbase_output_max_additional_sigops"));
        }
    }

    /** NewTemplate (0x71), 7.2. */
    public record NewTemplate(long templateId, boolean futureTemplate, long version, long coinbaseTxVersion,
            Bytes coinbasePrefix, long coinbaseTxInputSequence, long coinbaseTxValueRemaining,
            long coinbaseTxOutputsCount, Bytes coinbaseTxOutputs, long coinbaseTxLocktime, List<U256> merklePath)
            implements Sv2SpecMessage {
        public NewTemplate {
            u32(version, "version");
            u32(coinbaseTxVersion, "coinbase_tx_version");
            maxLength(coinbasePrefix, 255, "coinbase_prefix");
            u32(coinbaseTxInputSequence, "coinbase_tx_input_sequence");
            u32(coinbaseTxOutputsCount, "coinbase_tx_outputs_count");
            maxLength(coinbaseTxOutputs, 0xffff, "coinbase_tx_outputs");
            u32(coinbaseTxLocktime, "coinbase_tx_locktime");
            merklePath = Sv2Check.seq(merklePath, 255, "merkle_path");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u64(templateId).bool(futureTemplate).u32(version).u32(coinbaseTxVersion).b0_255(coinbasePrefix)
                    .u32(coinbaseTxInputSequence).u64(coinbaseTxValueRemaining).u32(coinbaseTxOutputsCount)
                    .b0_64k(coinbaseTxOutputs).u32(coinbaseTxLocktime).seq0_255(merklePath, Sv2Writer::u256);
        }

        public static NewTemplate decode(Sv2Reader r) {
            return new NewTemplate(r.u64("template_id"), r.bool("future_template"), r.u32("version"),
                    r.u32("coinbase_tx_version"), r.b0_255("coinbase_prefix"), r.u32("coinbase_tx_input_sequence"),
                    r.u64("coinbase_tx_value_remaining"), r.u32("coinbase_tx_outputs_count"),
                    r.b0_64k("coinbase_tx_outputs"), r.u32("coinbase_tx_locktime"),
                    r.seq0_255("merkle_path", Sv2Reader::u256));
        }
    }

    /** SetNewPrevHash (Template Distribution, 0x72), 7.3. Not the Mining message 0x20. */
    public record SetNewPrevHash(long templateId, U256 prevHash, long headerTimestamp, long nBits, U256 target)
            implements Sv2SpecMessage {
        public SetNewPrevHash {
            notNull(prevHash, "prev_hash");
            u32(headerTimestamp, "header_timestamp");
            u32(nBits, "nBits");
            notNull(target, "target");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u64(templateId).u256(prevHash).u32(headerTimestamp).u32(nBits).u256(target);
        }

        public static SetNewPrevHash decode(Sv2Reader r) {
            return new SetNewPrevHash(r.u64("template_id"), r.u256("prev_hash"), r.u32("header_timestamp"),
                    r.u32("nBits"), r.u256("target"));
        }
    }

    /** RequestTransactionData (0x73), 7.4. */
    public record RequestTransactionData(long templateId) implements Sv2SpecMessage {
        @Override
        public void encodePayload(Sv2Writer w) {
            w.u64(templateId);
        }

        public static RequestTransactionData decode(Sv2Reader r) {
            return new RequestTransactionData(r.u64("template_id"));
        }
    }

    /** RequestTransactionData.Success (0x74), 7.5. */
    public record RequestTransactionDataSuccess(long templateId, Bytes excessData, List<Bytes> transactionList)
            implements Sv2SpecMessage {
        public RequestTransactionDataSuccess {
            maxLength(excessData, 0xffff, "excess_data");
            transactionList = Sv2Check.seq(transactionList, 0xffff, "transaction_list");
            transactionList.forEach(tx -> maxLength(tx, 0xffffff, "transaction"));
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u64(templateId).b0_64k(excessData).seq0_64k(transactionList, Sv2Writer::b0_16m);
        }

        public static RequestTransactionDataSuccess decode(Sv2Reader r) {
            return new RequestTransactionDataSuccess(r.u64("template_id"), r.b0_64k("excess_data"),
                    r.seq0_64k("transaction_list", Sv2Reader::b0_16m));
        }
    }

    /** RequestTransactionData.Error (0x75), 7.6. */
    public record RequestTransactionDataError(long templateId, Str0255 errorCode) implements Sv2SpecMessage {
        public RequestTransactionDataError {
            notNull(errorCode, "error_code");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u64(templateId).str0_255(errorCode);
        }

        public static RequestTransactionDataError decode(Sv2Reader r) {
            return new RequestTransactionDataError(r.u64("template_id"), r.str0_255("error_code"));
        }
    }

    /** SubmitSolution (0x76), 7.7: coinbase_tx in full, BIP141 fields kept (spec 3.7.3). */
    public record SubmitSolution(long templateId, long version, long headerTimestamp, long headerNonce,
            Bytes coinbaseTx) implements Sv2SpecMessage {
        public SubmitSolution {
            u32(version, "version");
            u32(headerTimestamp, "header_timestamp");
            u32(headerNonce, "header_nonce");
            maxLength(coinbaseTx, 0xffff, "coinbase_tx");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u64(templateId).u32(version).u32(headerTimestamp).u32(headerNonce).b0_64k(coinbaseTx);
        }

        public static SubmitSolution decode(Sv2Reader r) {
            return new SubmitSolution(r.u64("template_id"), r.u32("version"), r.u32("header_timestamp"),
                    r.u32("header_nonce"), r.b0_64k("coinbase_tx"));
        }
    }
}
