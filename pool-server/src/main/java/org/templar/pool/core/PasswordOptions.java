package org.templar.pool.core;

import java.util.Optional;
import org.templar.share.Difficulty;

/**
 * Options a Stratum V1 miner can put in its password, the one free-text field every firmware lets a
 * user edit: comma-separated {@code key=value} items among anything else (many miners insist on a
 * non-empty password such as {@code x}). Known today: {@code d=NUMBER}, a fixed share difficulty, as
 * public-pool and ckpool take it ({@code x,d=0.5} or {@code d=0.5}).
 */
public record PasswordOptions(Optional<Difficulty> difficulty) {
    public static final PasswordOptions NONE = new PasswordOptions(Optional.empty());

    /**
     * Reads the options; items that are not options, and option values that are not usable (not a
     * positive finite number), are ignored, so a password never costs a miner its authorization.
     */
    public static PasswordOptions parse(String password) {
        if (password == null || password.isEmpty()) {
            return NONE;
        }
        Optional<Difficulty> difficulty = Optional.empty();
        for (String item : password.split(",")) {
            String t = item.trim();
            if (t.length() > 2 && (t.startsWith("d=") || t.startsWith("D="))) {
                try {
                    double d = Double.parseDouble(t.substring(2).trim());
                    if (d > 0 && Double.isFinite(d)) {
                        difficulty = Optional.of(Difficulty.of(d));
                    }
                } catch (NumberFormatException ignored) {
                    // not a number: not an option, just password text
                }
            }
        }
        return new PasswordOptions(difficulty);
    }
}
