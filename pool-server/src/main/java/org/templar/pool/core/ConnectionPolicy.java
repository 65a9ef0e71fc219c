package org.templar.pool.core;

import java.util.Objects;

/**
 * What the pool lets a connection do and what it does about abuse, shared by every listener: the
 * connection caps, the automatic ban rules and the operators' (rate limited) log.
 */
public record ConnectionPolicy(ConnectionLimits limits, AutoBans autoBans, OperatorLog log) {
    public ConnectionPolicy {
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(autoBans, "autoBans");
        Objects.requireNonNull(log, "log");
    }

    /** No caps, no automatic bans, every operator line logged (tests, tools). */
    public static ConnectionPolicy permissive(BanList bans, PoolMetrics metrics) {
        OperatorLog log = OperatorLog.unlimited();
        return new ConnectionPolicy(ConnectionLimits.unlimited(), new AutoBans(AutoBanSettings.off(), bans, metrics, log), log);
    }
}
