package org.templar.pool.sv2.session;

import org.templar.pool.sv2.codec.Sv2Message;

/** What a Stratum V2 session (any role) may do to its connection; the transport implements it on the channel. */
public interface Sv2Output {
    void send(Sv2Message message);

    /** Sends what is queued, then closes the connection; the reason goes to the log. */
    void close(String reason);

    /** Runs {@code task} on the session's own thread (its event loop), later. */
    void execute(Runnable task);

    /** The miner's address (after a trusted PROXY header), for the abuse rules; null if unknown. */
    default java.net.InetAddress peer() {
        return null;
    }
}
