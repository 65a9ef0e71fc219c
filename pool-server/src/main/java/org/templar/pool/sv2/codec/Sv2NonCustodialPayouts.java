package org.templar.pool.sv2.codec;

import static org.templar.pool.sv2.codec.Sv2Check.maxLength;
import static org.templar.pool.sv2.codec.Sv2Check.notNull;
import static org.templar.pool.sv2.codec.Sv2Check.u32;

/**
 * Extension 0x0003, non-custodial pool payouts (draft extensions/0x0003-non-custodial-pool-payouts.md):
 * a Job Declaration client asks the JDS which payout outputs its coinbase must carry for a token.
 * Framed with extension_type = 0x0003 on a Job Declaration connection, usable only once extension
 * 0x0001 negotiated it.
 */
public final class Sv2NonCustodialPayouts {
    public static final int EXTENSION_TYPE = 0x0003;

    private Sv2NonCustodialPayouts() {
    }

    /** RequestPayoutOutputs (0x00), JDC to JDS: the outputs dividing {@code availablePayoutValue} sat. */
    public record RequestPayoutOutputs(long requestId, Bytes miningJobToken, long availablePayoutValue)
            implements Sv2SpecMessage {
        public RequestPayoutOutputs {
            u32(requestId, "request_id");
            maxLength(miningJobToken, 255, "mining_job_token");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).b0_255(miningJobToken).u64(availablePayoutValue);
        }

        public static RequestPayoutOutputs decode(Sv2Reader r) {
            return new RequestPayoutOutputs(r.u32("request_id"), r.b0_255("mining_job_token"),
                    r.u64("available_payout_value"));
        }
    }

    /**
     * RequestPayoutOutputs.Success (0x01): the outputs, encoded as SetCustomMiningJob's
     * coinbase_tx_outputs (CompactSize count, then the outputs), summing to the requested value.
     */
    public record RequestPayoutOutputsSuccess(long requestId, Bytes coinbaseTxOutputs) implements Sv2SpecMessage {
        public RequestPayoutOutputsSuccess {
            u32(requestId, "request_id");
            maxLength(coinbaseTxOutputs, 0xffff, "coinbase_tx_outputs");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).b0_64k(coinbaseTxOutputs);
        }

        public static RequestPayoutOutputsSuccess decode(Sv2Reader r) {
            return new RequestPayoutOutputsSuccess(r.u32("request_id"), r.b0_64k("coinbase_tx_outputs"));
        }
    }

    /** RequestPayoutOutputs.Error (0x02): no output set for this token and value. */
    public record RequestPayoutOutputsError(long requestId, Str0255 errorCode) implements Sv2SpecMessage {
        public RequestPayoutOutputsError {
            u32(requestId, "request_id");
            notNull(errorCode, "error_code");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(requestId).str0_255(errorCode);
        }

        public static RequestPayoutOutputsError decode(Sv2Reader r) {
            return new RequestPayoutOutputsError(r.u32("request_id"), r.str0_255("error_code"));
        }
    }
}
