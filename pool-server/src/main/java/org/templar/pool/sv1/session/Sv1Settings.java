package org.templar.pool.sv1.session;

/**
 * Stratum V1 specifics.
 *
 * @param extranonce2Size bytes the miner rolls (extranonce1 is always 4)
 * @param maxProtocolErrors malformed messages tolerated before the connection is closed
 * @param keptJobs jobs per connection remembered for late shares (stale ones still checked for solves)
 * @param setupTimeout a connection must have subscribed and authorized within this of connecting
 */
public record Sv1Settings(int extranonce2Size, int maxProtocolErrors, int keptJobs, java.time.Duration setupTimeout) {
    public static final java.time.Duration DEFAULT_SETUP_TIMEOUT = java.time.Duration.ofSeconds(30);

    public Sv1Settings {
        if (extranonce2Size < 2 || extranonce2Size > 16) {
            throw new IllegalArgumentException("extranonce2 size must be 2..16 bytes, got " + extranonce2Size);
        }
        if (setupTimeout.isNegative() || setupTimeout.isZero()) {
            throw new IllegalArgumentException("the setup timeout must be positive");
        }
    }

    public Sv1Settings(int extranonce2Size, int maxProtocolErrors, int keptJobs) {
        this(extranonce2Size, maxProtocolErrors, keptJobs, DEFAULT_SETUP_TIMEOUT);
    }

    public static Sv1Settings defaults() {
        return new Sv1Settings(4, 20, 32);
    }
}
