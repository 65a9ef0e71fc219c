package org.templar.pool.sv1.session;

/**
 * Stratum V1 specifics.
 *
 * @param extranonce2Size bytes the miner rolls (extranonce1 is always 4)
 * @param maxProtocolErrors malformed messages tolerated before the connection is closed
 * @param keptJobs jobs per connection remembered for late shares (stale ones still checked for solves)
 */
public record Sv1Settings(int extranonce2Size, int maxProtocolErrors, int keptJobs) {
    public Sv1Settings {
        if (extranonce2Size < 2 || extranonce2Size > 16) {
            throw new IllegalArgumentException("extranonce2 size must be 2..16 bytes, got " + extranonce2Size);
        }
    }

    public static Sv1Settings defaults() {
        return new Sv1Settings(4, 20, 32);
    }
}
