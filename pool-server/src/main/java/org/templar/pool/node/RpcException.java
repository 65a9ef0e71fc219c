package org.templar.pool.node;

/**
 * A failed node call: either the node answered with a JSON-RPC error (code and message as the node
 * sent them) or it could not be reached / answered garbage ({@link #isTransport()}).
 */
public final class RpcException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Not a JSON-RPC code: the call never produced an answer. */
    public static final int TRANSPORT = Integer.MIN_VALUE;

    private final int code;

    public RpcException(int code, String message) {
        super(message);
        this.code = code;
    }

    public RpcException(String message, Throwable cause) {
        super(message, cause);
        this.code = TRANSPORT;
    }

    public int code() {
        return code;
    }

    public boolean isTransport() {
        return code == TRANSPORT;
    }
}
