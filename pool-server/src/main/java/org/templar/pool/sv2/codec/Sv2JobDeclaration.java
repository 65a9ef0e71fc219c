package org.templar.pool.sv2.codec;

import static org.templar.pool.sv2.codec.Sv2Check.maxLength;
import static org.templar.pool.sv2.codec.Sv2Check.notNull;
import static org.templar.pool.sv2.codec.Sv2Check.u32;

import java.util.List;

/** Job Declaration protocol messages (06-Job-Declaration-Protocol.md section 6.4). */
public final class Sv2JobDeclaration {
    private Sv2JobDeclaration() {
    }

    /** AllocateMiningJobToken (0x50), 6.4.2, JDC to JDS. */
    public record AllocateMiningJobToken(Str0255 userIdentifier, long requestId) implements Sv2SpecMessage {
        public AllocateMiningJobToken {
            notNull(userIdentifier, "user_identifier");
            u32(requestId, "request_id");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.str0_255(userIdentifier).u32(requestId);
        }

        public static AllocateMiningJobToken decode(Sv2Reader r) {
            return new AllocateMiningJobToken(r.str0_255("user_identifier"), r.u32("request_id"));
        }
    }

    /**
     * AllocateMiningJobToken.Success (0x51), 6.4.3. The first output of coinbase_tx_outputs is the
     * pool payout output (CompactSize-prefixed list of consensus-serialized outputs).
     */
    public record AllocateMiningJobTokenSuccess(long requestId, Bytes miningJobToken, Bytes coinbaseTxOutputs)
            implements Sv2SpecMessage {
        public AllocateMiningJobTokenSuccess {
            u32(requestId, "request_id");
            maxLength(miningJobToken, 255, "mining_job_token");
            maxLength(coinbaseTxOutputs, 0xffff, "coinbase_tx_outputs");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).b0_255(miningJobToken).b0_64k(coinbaseTxOutputs);
        }

        public static AllocateMiningJobTokenSuccess decode(Sv2Reader r) {
            return new AllocateMiningJobTokenSuccess(r.u32("request_id"), r.b0_255("mining_job_token"),
                    r.b0_64k("coinbase_tx_outputs"));
        }
    }

    /** ProvideMissingTransactions (0x55), 6.4.7: positions (0-indexed) in the declared wtxid_list. */
    public record ProvideMissingTransactions(long requestId, List<Integer> unknownTxPositionList)
            implements Sv2SpecMessage {
        public ProvideMissingTransactions {
            u32(requestId, "request_id");
            unknownTxPositionList = Sv2Check.seqU16(unknownTxPositionList, 0xffff, "unknown_tx_position_list");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).seq0_64k(unknownTxPositionList, Sv2Writer::u16);
        }

        public static ProvideMissingTransactions decode(Sv2Reader r) {
            return new ProvideMissingTransactions(r.u32("request_id"),
                    r.seq0_64k("unknown_tx_position_list", Sv2Reader::u16));
        }
    }

    /** ProvideMissingTransactions.Success (0x56), 6.4.8: full transactions in the requested order. */
    public record ProvideMissingTransactionsSuccess(long requestId, List<Bytes> transactionList)
            implements Sv2SpecMessage {
        public ProvideMissingTransactionsSuccess {
            u32(requestId, "request_id");
            transactionList = Sv2Check.seq(transactionList, 0xffff, "transaction_list");
            transactionList.forEach(tx -> maxLength(tx, 0xffffff, "transaction"));
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).seq0_64k(transactionList, Sv2Writer::b0_16m);
        }

        public static ProvideMissingTransactionsSuccess decode(Sv2Reader r) {
            return new ProvideMissingTransactionsSuccess(r.u32("request_id"),
                    r.seq0_64k("transaction_list", Sv2Reader::b0_16m));
        }
    }

    /** DeclareMiningJob (0x57), 6.4.4: coinbase halves keep their BIP141 fields here (spec 3.7.2). */
    public record DeclareMiningJob(long requestId, Bytes miningJobToken, long version, Bytes coinbaseTxPrefix,
            Bytes coinbaseTxSuffix, List<U256> wtxidList, Bytes excessData) implements Sv2SpecMessage {
        public DeclareMiningJob {
            u32(requestId, "request_id");
            maxLength(miningJobToken, 255, "mining_job_token");
            u32(version, "version");
            maxLength(coinbaseTxPrefix, 0xffff, "coinbase_tx_prefix");
            maxLength(coinbaseTxSuffix, 0xffff, "coinbase_tx_suffix");
            wtxidList = Sv2Check.seq(wtxidList, 0xffff, "wtxid_list");
            maxLength(excessData, 0xffff, "excess_data");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).b0_255(miningJobToken).u32(version).b0_64k(coinbaseTxPrefix).b0_64k(coinbaseTxSuffix)
                    .seq0_64k(wtxidList, Sv2Writer::u256).b0_64k(excessData);
        }

        public static DeclareMiningJob decode(Sv2Reader r) {
            return new DeclareMiningJob(r.u32("request_id"), r.b0_255("mining_job_token"), r.u32("version"),
                    r.b0_64k("coinbase_tx_prefix"), r.b0_64k("coinbase_tx_suffix"),
                    r.seq0_64k("wtxid_list", Sv2Reader::u256), r.b0_64k("excess_data"));
        }
    }

    /** DeclareMiningJob.Success (0x58), 6.4.5. */
    public record DeclareMiningJobSuccess(long requestId, Bytes newMiningJobToken) implements Sv2SpecMessage {
        public DeclareMiningJobSuccess {
            u32(requestId, "request_id");
            maxLength(newMiningJobToken, 255, "new_mining_job_token");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).b0_255(newMiningJobToken);
        }

        public static DeclareMiningJobSuccess decode(Sv2Reader r) {
            return new DeclareMiningJobSuccess(r.u32("request_id"), r.b0_255("new_mining_job_token"));
        }
    }

    /** DeclareMiningJob.Error (0x59), 6.4.6. */
    public record DeclareMiningJobError(long requestId, Str0255 errorCode, Bytes errorDetails)
            implements Sv2SpecMessage {
        public DeclareMiningJobError {
            u32(requestId, "request_id");
            notNull(errorCode, "error_code");
            maxLength(errorDetails, 0xffff, "error_details");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).str0_255(errorCode).b0_64k(errorDetails);
        }

        public static DeclareMiningJobError decode(Sv2Reader r) {
            return new DeclareMiningJobError(r.u32("request_id"), r.str0_255("error_code"), r.b0_64k("error_details"));
        }
    }

    /** PushSolution (0x60), 6.4.9: a block found on the last declared job, for JDS to propagate too. */
    public record PushSolution(Bytes extranonce, U256 prevHash, long nonce, long ntime, long nbits, long version)
            implements Sv2SpecMessage {
        public PushSolution {
            maxLength(extranonce, 32, "extranonce");
            notNull(prevHash, "prev_hash");
            u32(nonce, "nonce");
            u32(ntime, "ntime");
            u32(nbits, "nbits");
            u32(version, "version");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.b0_32(extranonce).u256(prevHash).u32(nonce).u32(ntime).u32(nbits).u32(version);
        }

        public static PushSolution decode(Sv2Reader r) {
            return new PushSolution(r.b0_32("extranonce"), r.u256("prev_hash"), r.u32("nonce"), r.u32("ntime"),
                    r.u32("nbits"), r.u32("version"));
        }
    }
}
