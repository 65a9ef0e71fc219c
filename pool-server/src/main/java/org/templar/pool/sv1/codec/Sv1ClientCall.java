package org.templar.pool.sv1.codec;

import java.util.List;
import java.util.Optional;

/** The calls a miner makes to the pool, typed and validated. */
public sealed interface Sv1ClientCall extends Sv1Call {

    @Override
    default String method() {
        if (this instanceof Subscribe) {
            return Sv1Methods.SUBSCRIBE;
        } else if (this instanceof Authorize) {
            return Sv1Methods.AUTHORIZE;
        } else if (this instanceof Configure) {
            return Sv1Methods.CONFIGURE;
        } else if (this instanceof SuggestDifficulty) {
            return Sv1Methods.SUGGEST_DIFFICULTY;
        } else if (this instanceof ExtranonceSubscribe) {
            return Sv1Methods.EXTRANONCE_SUBSCRIBE;
        } else {
            return Sv1Methods.SUBMIT; // Submit
        }
    }

    /** mining.subscribe(["user agent"[, "session id to resume"]]). */
    record Subscribe(Optional<String> userAgent, Optional<String> resumeSessionId) implements Sv1ClientCall {}

    /** mining.authorize(["username", "password"]). */
    record Authorize(String username, String password) implements Sv1ClientCall {}

    /**
     * mining.configure([["version-rolling", ...], {"version-rolling.mask": "1fffe000", ...}]) (BIP310).
     * {@code versionRollingMask} is present when version-rolling was requested; a missing mask means
     * ffffffff as BIP310 says.
     */
    record Configure(List<String> extensions, Optional<Integer> versionRollingMask, Optional<Integer> minBitCount)
            implements Sv1ClientCall {
        public Configure {
            extensions = List.copyOf(extensions);
        }

        public boolean wantsVersionRolling() {
            return extensions.contains("version-rolling");
        }
    }

    /** mining.suggest_difficulty([difficulty]); fractional values are legal. */
    record SuggestDifficulty(double difficulty) implements Sv1ClientCall {}

    /** mining.extranonce.subscribe([]). */
    record ExtranonceSubscribe() implements Sv1ClientCall {}

    /**
     * mining.submit(["worker", "job id", "extranonce2", "ntime", "nonce"[, "version bits"]]); hex fields
     * already decoded: ntime/nonce/versionBits as the big-endian 32-bit values the text spells.
     */
    record Submit(String worker, String jobId, byte[] extranonce2, int ntime, int nonce, Optional<Integer> versionBits)
            implements Sv1ClientCall {}
}
