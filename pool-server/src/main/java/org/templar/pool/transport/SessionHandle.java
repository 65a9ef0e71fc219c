package org.templar.pool.transport;

/**
 * One live connection as its listener sees it: the protocol session it carries, and the connection's
 * own event loop, on which everything touching the session must run.
 *
 * @param <S> the protocol's session type
 */
public interface SessionHandle<S> {
    /** The session, or null before the connection became active. */
    S session();

    /** Runs {@code task} on the connection's event loop. */
    void execute(Runnable task);

    /** Closes the connection; the reason goes to the log. */
    void close(String reason);

    /** Bytes written to the connection that its peer has not taken yet (0 once it is closed). */
    long pendingOutboundBytes();

    /** The peer's address (null before the connection became active). */
    java.net.InetSocketAddress remoteAddress();
}
