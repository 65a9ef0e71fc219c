package org.templar.pool.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.templar.pool.core.BanList;
import org.templar.pool.core.ConnectionLimits;
import org.templar.pool.core.ConnectionPolicy;
import org.templar.pool.core.PoolMetrics;

/**
 * Whether a new connection may stay: its peer's address (the socket's, or the one a trusted proxy
 * gave) is not banned and fits the connection caps. A refused connection is closed at once with a
 * reset (no protocol work, nothing left in TIME_WAIT on the pool's side), counted by reason, and
 * reported only in a summary line at most every {@link #SUMMARY_MILLIS}: a flood at the cap costs
 * neither CPU nor disk.
 */
public final class Admission {
    static final long SUMMARY_MILLIS = 10_000;

    private final String protocol;
    private final BanList bans;
    private final ConnectionPolicy policy;
    private final PoolMetrics metrics;
    private final AtomicLong refusedBanned = new AtomicLong();
    private final AtomicLong refusedGlobal = new AtomicLong();
    private final AtomicLong refusedPerIp = new AtomicLong();
    private final AtomicLong lastSummary = new AtomicLong(System.currentTimeMillis() - SUMMARY_MILLIS);

    public Admission(String protocol, BanList bans, ConnectionPolicy policy, PoolMetrics metrics) {
        this.protocol = protocol;
        this.bans = bans;
        this.policy = policy;
        this.metrics = metrics;
    }

    /** Only the ban list, no caps (a listener whose caps are not the pool's). */
    public static Admission bansOnly(String protocol, BanList bans, PoolMetrics metrics) {
        return new Admission(protocol, bans, ConnectionPolicy.permissive(bans, metrics), metrics);
    }

    BanList bans() {
        return bans;
    }

    /**
     * Lets {@code ch} in as a connection from {@code peer} (taking its slot under the caps, given back
     * when it closes), or closes it and returns false.
     */
    boolean admit(Channel ch, InetAddress peer) {
        if (bans.isBanned(peer)) {
            refuse(ch, "banned", refusedBanned);
            return false;
        }
        ConnectionLimits.Refusal refusal = policy.limits().tryOpen(peer);
        if (refusal != null) {
            refuse(ch, refusal.label(), refusal == ConnectionLimits.Refusal.GLOBAL ? refusedGlobal : refusedPerIp);
            return false;
        }
        ch.closeFuture().addListener(f -> policy.limits().closed(peer));
        return true;
    }

    private void refuse(Channel ch, String reason, AtomicLong counter) {
        metrics.connectionRefused(protocol, reason);
        counter.incrementAndGet();
        try {
            ch.config().setOption(ChannelOption.SO_LINGER, 0); // a reset: the pool keeps no state for it
        } catch (RuntimeException ignored) {
            // not a TCP socket (tests): a plain close does
        }
        ch.close();
        long now = System.currentTimeMillis();
        long last = lastSummary.get();
        if (now - last >= SUMMARY_MILLIS && lastSummary.compareAndSet(last, now)) {
            policy.log().info("{}: refused connections in the last {} s: {} banned, {} at the global cap ({}), {} at the per-IP cap ({})",
                    protocol, Math.min((now - last) / 1000, 999_999), refusedBanned.getAndSet(0), refusedGlobal.getAndSet(0),
                    policy.limits().maxConnections(), refusedPerIp.getAndSet(0), policy.limits().maxPerAddress());
        }
    }
}
