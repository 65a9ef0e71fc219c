package org.templar.pool.sv1.codec;

import java.util.List;
import java.util.Objects;
import org.templar.share.ExtranoncePrefix;

/**
 * The result of a successful call. The pool answers with the typed ones; an answer read off the wire
 * is {@link Raw} (the decoder cannot know which request it answers: that is the session's state) and
 * is typed by {@link Sv1Decoder#subscribed} and friends once the session knows what it asked.
 */
public sealed interface Sv1Result {
    Flag TRUE = new Flag(true);
    Flag FALSE = new Flag(false);
    Raw NULL = new Raw("null");

    /** true / false: authorize, submit, suggest_difficulty, extranonce.subscribe. */
    record Flag(boolean value) implements Sv1Result {}

    /**
     * mining.subscribe: {@code [[["mining.set_difficulty", id], ["mining.notify", id]], extranonce1,
     * extranonce2_size]}; the subscription id is the session id a miner offers back to resume.
     */
    record Subscribed(String sessionId, ExtranoncePrefix extranonce1, int extranonce2Size) implements Sv1Result {
        public Subscribed {
            Objects.requireNonNull(sessionId, "sessionId");
            Objects.requireNonNull(extranonce1, "extranonce1");
        }
    }

    /**
     * mining.configure (BIP310): {@code {"version-rolling": true, "version-rolling.mask": "1fffe000",
     * "other-extension": false}}; the mask is written only when version rolling is granted.
     */
    record Configured(boolean versionRolling, int mask, List<String> unsupported) implements Sv1Result {
        public Configured {
            unsupported = List.copyOf(unsupported);
        }
    }

    /** A string (client.get_version's answer). */
    record Text(String value) implements Sv1Result {}

    /** A result as read from the wire: its JSON text, written back unchanged. */
    record Raw(String json) implements Sv1Result {}
}
