package org.templar.pool.core;

import java.time.Duration;

/**
 * Variable difficulty: aim for one share every {@code targetShareInterval} per connection.
 *
 * @param initial the difficulty a new connection starts at
 * @param minimum floor (fractional values allowed, for small miners)
 * @param maximum ceiling
 * @param targetShareInterval desired time between shares
 * @param retargetInterval how often the rate is re-evaluated
 */
public record VardiffSettings(double initial, double minimum, double maximum, Duration targetShareInterval,
        Duration retargetInterval) {
    public VardiffSettings {
        if (!(minimum > 0) || !(maximum >= minimum) || initial < minimum || initial > maximum) {
            throw new IllegalArgumentException("vardiff needs 0 < minimum <= initial <= maximum, got " + minimum + " / "
                    + initial + " / " + maximum);
        }
        if (targetShareInterval.isZero() || targetShareInterval.isNegative()) {
            throw new IllegalArgumentException("vardiff target share interval must be positive");
        }
    }

    /**
     * Regtest: a single CPU core running a stock miner (which may never suggest a difficulty) finds a
     * share within seconds at 0.001, and vardiff raises it from there.
     */
    public static VardiffSettings regtest() {
        return new VardiffSettings(0.001, 0.00001, 1e12, Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    /** Mainnet: ASIC-sized starting point. */
    public static VardiffSettings mainnet() {
        return new VardiffSettings(16384, 1024, 1e15, Duration.ofSeconds(10), Duration.ofSeconds(60));
    }
}
