package org.templar.pool.sv2.session;

/**
 * One Stratum V2 connection's state machine as its listener sees it, whatever the role (mining, Job
 * Declaration, Template Distribution): decoded messages in, through {@link Sv2Output} out. A session
 * is confined to its connection's event loop; it never sees bytes, channels or Netty.
 */
public interface Sv2Session {
    void onMessage(org.templar.pool.sv2.codec.Sv2Message message);

    /** True once SetupConnection succeeded: a connection not set up by the listener's deadline is closed. */
    boolean isSetUp();

    /**
     * True once the client does what it connected for (a mining client has opened a channel): a
     * connection not working by the listener's work deadline, when it has one, is closed.
     */
    default boolean isWorking() {
        return true;
    }

    void onClosed();

    /** Once a second on the session's loop, when the listener was given a tick (deadlines, batches). */
    default void onTick() {
    }

    /** What the operators' disconnect line says about the session besides its id (say, its workers); may be empty. */
    default String summary() {
        return "";
    }
}
