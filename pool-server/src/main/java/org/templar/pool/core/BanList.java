package org.templar.pool.core;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Addresses the operator has banned, each until a moment. Checked when a connection is accepted,
 * before any protocol work; kept in memory (a restart forgets bans, as with most pools' runtime bans).
 */
public final class BanList {
    private final Map<InetAddress, Instant> bans = new ConcurrentHashMap<>();
    private final Clock clock;

    public BanList(Clock clock) {
        this.clock = clock;
    }

    public BanList() {
        this(Clock.systemUTC());
    }

    public Instant ban(InetAddress address, Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("a ban lasts a positive time");
        }
        Instant until = clock.instant().plus(duration);
        bans.put(address, until);
        return until;
    }

    public boolean unban(InetAddress address) {
        return bans.remove(address) != null;
    }

    public boolean isBanned(InetAddress address) {
        Instant until = bans.get(address);
        if (until == null) {
            return false;
        }
        if (!clock.instant().isBefore(until)) {
            bans.remove(address, until); // expired
            return false;
        }
        return true;
    }

    /** Current bans, by address text, with their end. */
    public Map<String, Instant> active() {
        Map<String, Instant> out = new TreeMap<>();
        Instant now = clock.instant();
        bans.forEach((a, until) -> {
            if (now.isBefore(until)) {
                out.put(a.getHostAddress(), until);
            }
        });
        return out;
    }
}
