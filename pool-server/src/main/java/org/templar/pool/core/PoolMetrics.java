package org.templar.pool.core;

/**
 * What the pool core reports; the ops module implements it with Prometheus, so nothing here imports
 * a metrics library. Methods are called on hot paths and must be cheap and thread-safe.
 */
public interface PoolMetrics {
    void shareAccepted(String protocol, double difficulty);

    void shareRejected(String protocol, String reason);

    void blockFound(int height, boolean accepted);

    void connectionOpened(String protocol);

    void connectionClosed(String protocol);

    void jobsBroadcast(String protocol, int sessions, long nanos);

    /**
     * A connection was closed because it owed its peer more than the outbound cap ({@code pendingBytes}
     * at the moment of closing): a client that does not read. {@code protocol} is sv1, sv2 or http.
     */
    void outboundOverflow(String protocol, long pendingBytes);

    PoolMetrics NONE = new PoolMetrics() {
        @Override
        public void shareAccepted(String protocol, double difficulty) {}

        @Override
        public void shareRejected(String protocol, String reason) {}

        @Override
        public void blockFound(int height, boolean accepted) {}

        @Override
        public void connectionOpened(String protocol) {}

        @Override
        public void connectionClosed(String protocol) {}

        @Override
        public void jobsBroadcast(String protocol, int sessions, long nanos) {}

        @Override
        public void outboundOverflow(String protocol, long pendingBytes) {}
    };
}
