package org.templar.pool.core;

import java.time.Duration;

/**
 * The automatic ban rules ({@code bans.*}). Within any {@code window}, an address is banned for
 * {@code banFor} when it sent at least {@code minShares} shares of which more than
 * {@code maxInvalidRatio} were invalid, or {@code maxInvalidShares} invalid shares whatever the ratio,
 * or failed authorization {@code maxAuthFailures} times, or sent {@code maxProtocolErrors} messages
 * that could not be decoded. Stale shares are not invalid: honest miners send them after every block.
 *
 * @param kickBan how long {@code templar kick} keeps the kicked worker's address out
 */
public record AutoBanSettings(boolean enabled, Duration banFor, Duration window, int minShares,
        double maxInvalidRatio, int maxInvalidShares, int maxAuthFailures, int maxProtocolErrors, Duration kickBan) {
    public AutoBanSettings {
        if (banFor.isNegative() || banFor.isZero() || window.isNegative() || window.isZero()
                || kickBan.isNegative() || kickBan.isZero()) {
            throw new IllegalArgumentException("ban durations and the window must be positive");
        }
        if (minShares < 1 || maxInvalidShares < 1 || maxAuthFailures < 1 || maxProtocolErrors < 1) {
            throw new IllegalArgumentException("ban thresholds must be positive");
        }
        if (!(maxInvalidRatio > 0 && maxInvalidRatio <= 1)) {
            throw new IllegalArgumentException("maxInvalidRatio must be in (0, 1]");
        }
    }

    public static AutoBanSettings defaults() {
        return new AutoBanSettings(true, Duration.ofMinutes(10), Duration.ofMinutes(1), 50, 0.9, 1000, 10, 20,
                Duration.ofSeconds(60));
    }

    public static AutoBanSettings off() {
        AutoBanSettings d = defaults();
        return new AutoBanSettings(false, d.banFor, d.window, d.minShares, d.maxInvalidRatio, d.maxInvalidShares,
                d.maxAuthFailures, d.maxProtocolErrors, d.kickBan);
    }
}
