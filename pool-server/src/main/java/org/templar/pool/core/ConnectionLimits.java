package org.templar.pool.core;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pool-wide connection caps ({@code limits.max_connections}, {@code limits.max_connections_per_ip}),
 * counted over every Stratum listener on the peer's real address (after a trusted PROXY header). A
 * connection takes its slot with {@link #tryOpen} before any protocol work and gives it back with
 * {@link #closed}. Thread-safe and cheap: an atomic counter and one map entry per address.
 */
public final class ConnectionLimits {
    /** Why a connection was refused; the text is the metric's reason label. */
    public enum Refusal {
        GLOBAL("global_cap"), PER_IP("per_ip_cap");

        private final String label;

        Refusal(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final int maxConnections;
    private final int maxPerAddress;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    public ConnectionLimits(int maxConnections, int maxPerAddress) {
        if (maxConnections < 1 || maxPerAddress < 1) {
            throw new IllegalArgumentException("connection caps must be positive");
        }
        this.maxConnections = maxConnections;
        this.maxPerAddress = maxPerAddress;
    }

    public static ConnectionLimits unlimited() {
        return new ConnectionLimits(Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /** Takes a slot for a connection from {@code address}; null if taken, else why it is refused. */
    public Refusal tryOpen(InetAddress address) {
        if (total.incrementAndGet() > maxConnections) {
            total.decrementAndGet();
            return Refusal.GLOBAL;
        }
        boolean[] refused = {false};
        perAddress.compute(address, (a, n) -> {
            AtomicInteger count = n == null ? new AtomicInteger() : n;
            if (count.get() >= maxPerAddress) {
                refused[0] = true;
            } else {
                count.incrementAndGet();
            }
            return count.get() == 0 ? null : count;
        });
        if (refused[0]) {
            total.decrementAndGet();
            return Refusal.PER_IP;
        }
        return null;
    }

    /** Gives back the slot a connection from {@code address} took. */
    public void closed(InetAddress address) {
        perAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
        total.decrementAndGet();
    }

    public int open() {
        return total.get();
    }

    public int open(InetAddress address) {
        AtomicInteger n = perAddress.get(address);
        return n == null ? 0 : n.get();
    }

    public int maxConnections() {
        return maxConnections;
    }

    public int maxPerAddress() {
        return maxPerAddress;
    }
}
