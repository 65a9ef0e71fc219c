package org.templar.pool.node;

/**
 * Told of every JSON-RPC call to a node, for latency and error metrics per node. Called on the HTTP
 * client's threads; must be cheap and thread-safe.
 */
@FunctionalInterface
public interface RpcObserver {
    /** How a call ended. */
    enum Outcome {
        /** The node answered with a result. */
        OK,
        /** The node answered with a JSON-RPC error (it is up, it refused the call). */
        RPC_ERROR,
        /** No usable answer: connection refused, timeout, HTTP error, credentials, not JSON. */
        FAILED
    }

    /**
     * @param node the node's host:port (never credentials)
     */
    void completed(String node, String method, long nanos, Outcome outcome);

    RpcObserver NONE = (node, method, nanos, outcome) -> {};
}
