package org.templar.regtest;

/** A JSON-RPC error with Bitcoin Core's numeric code (rpc/protocol.h) and message. */
public final class RpcException extends Exception {
    public static final int RPC_MISC_ERROR = -1;
    public static final int RPC_TYPE_ERROR = -3;
    public static final int RPC_INVALID_ADDRESS_OR_KEY = -5;
    public static final int RPC_INVALID_PARAMETER = -8;
    public static final int RPC_DESERIALIZATION_ERROR = -22;
    public static final int RPC_VERIFY_ERROR = -25;
    public static final int RPC_VERIFY_REJECTED = -26;
    public static final int RPC_VERIFY_ALREADY_IN_CHAIN = -27;
    public static final int RPC_INVALID_REQUEST = -32600;
    public static final int RPC_METHOD_NOT_FOUND = -32601;
    public static final int RPC_INTERNAL_ERROR = -32603;
    public static final int RPC_PARSE_ERROR = -32700;

    private final int code;

    public RpcException(int code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
