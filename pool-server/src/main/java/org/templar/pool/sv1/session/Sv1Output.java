package org.templar.pool.sv1.session;

import org.templar.pool.sv1.codec.Sv1Message;

/** What a session may do to its connection; the transport implements it on the channel. */
public interface Sv1Output {
    void send(Sv1Message message);

    /**
     * Sends a line already encoded by {@code Sv1Encoder}, as UTF-8 bytes with its newline (a job's
     * notify, encoded once and shared by every session: never modified).
     */
    void sendLine(byte[] encoded);

    /** Sends nothing more and closes the connection; the reason goes to the log. */
    void close(String reason);

    /** Runs {@code task} on the session's own thread (its event loop), later. */
    void execute(Runnable task);

    /** The miner's address (after a trusted PROXY header), for the abuse rules and logs; null if unknown. */
    default java.net.InetAddress peer() {
        return null;
    }
}
