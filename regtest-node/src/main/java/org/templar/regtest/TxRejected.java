package org.templar.regtest;

/**
 * A transaction refused by the mempool, carrying the JSON-RPC error code sendrawtransaction answers
 * (-25 for missing inputs, -26 for policy/consensus rejects, -27 already confirmed) and Core's text
 * ("reason" or "reason, debug").
 */
public final class TxRejected extends Exception {
    public static final int RPC_TRANSACTION_ERROR = -25;
    public static final int RPC_TRANSACTION_REJECTED = -26;
    public static final int RPC_TRANSACTION_ALREADY_IN_CHAIN = -27;

    private final int code;
    private final String reason;

    public TxRejected(int code, String reason, String debug) {
        super(reason + (debug == null || debug.isEmpty() ? "" : ", " + debug), null, false, false);
        this.code = code;
        this.reason = reason;
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }
}
