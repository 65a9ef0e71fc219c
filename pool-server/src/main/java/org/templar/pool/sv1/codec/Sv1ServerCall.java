package org.templar.pool.sv1.codec;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.templar.share.ExtranoncePrefix;

/**
 * The calls a pool makes to a miner, typed and validated: the miner-side mirror of {@link Sv1ClientCall}.
 * Hex fields arrive decoded into the form the header needs, so a miner never handles protocol byte order.
 */
public sealed interface Sv1ServerCall extends Sv1Call {

    @Override
    default String method() {
        if (this instanceof Notify) {
            return Sv1Methods.NOTIFY;
        } else if (this instanceof SetDifficulty) {
            return Sv1Methods.SET_DIFFICULTY;
        } else if (this instanceof SetVersionMask) {
            return Sv1Methods.SET_VERSION_MASK;
        } else if (this instanceof SetExtranonce) {
            return Sv1Methods.SET_EXTRANONCE;
        } else if (this instanceof Reconnect) {
            return Sv1Methods.RECONNECT;
        } else if (this instanceof ShowMessage) {
            return Sv1Methods.SHOW_MESSAGE;
        } else {
            return Sv1Methods.GET_VERSION; // GetVersion
        }
    }

    /**
     * mining.notify([job_id, prevhash, coinb1, coinb2, [branch...], version, nbits, ntime, clean_jobs]).
     *
     * @param prevHash previous block hash in internal byte order (the wire's word swap undone)
     * @param merkleBranch internal-order 32-byte hashes, leaf level first
     */
    record Notify(String jobId, byte[] prevHash, byte[] coinb1, byte[] coinb2, List<byte[]> merkleBranch,
            int version, int nbits, int ntime, boolean cleanJobs) implements Sv1ServerCall {
        public Notify {
            merkleBranch = List.copyOf(merkleBranch);
        }
    }

    /** mining.set_difficulty([difficulty]); fractional values are legal. */
    record SetDifficulty(double difficulty) implements Sv1ServerCall {}

    /** mining.set_version_mask(["1fffe000"]) (BIP310). */
    record SetVersionMask(int mask) implements Sv1ServerCall {}

    /** mining.set_extranonce(["extranonce1", extranonce2_size]). */
    record SetExtranonce(ExtranoncePrefix extranonce1, int extranonce2Size) implements Sv1ServerCall {}

    /**
     * client.reconnect([host[, port[, wait_seconds]]]); absent host/port mean "the same as now". With
     * neither and no wait it is sent without parameters, which miners read as "this same pool again"
     * (an empty host string would break cgminer-derived firmware).
     */
    record Reconnect(Optional<String> host, OptionalInt port, int waitSeconds) implements Sv1ServerCall {}

    /** client.show_message(["text"]). */
    record ShowMessage(String text) implements Sv1ServerCall {}

    /** client.get_version([]): the miner answers with its user agent. */
    record GetVersion() implements Sv1ServerCall {}
}
