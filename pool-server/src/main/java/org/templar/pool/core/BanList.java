package org.templar.pool.core;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.payout.BanStore;

/**
 * Addresses and ranges the pool refuses, each until a moment, with why and who decided. Checked when a
 * connection is accepted, before any protocol work: single addresses (automatic bans, most operator
 * bans) are one hash lookup, CIDR ranges (operator bans, few) a short scan.
 *
 * <p>With a {@link BanStore} every ban and unban is also written to the ledger database (on a thread
 * of its own: automatic bans are decided on event loops) and the bans in force are loaded at start,
 * so a restart forgets none.
 */
public final class BanList implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BanList.class);

    /** Who decided a ban. */
    public enum Source {
        /** {@code templar ban}, {@code templar kick} */
        OPERATOR,
        /** the pool's abuse rules ({@code bans.*}) */
        AUTOMATIC;

        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One ban: {@code range} is refused from {@code created} until {@code until}. */
    public record Ban(IpRange range, String reason, Source source, Instant created, Instant until) {
        public Ban {
            Objects.requireNonNull(range, "range");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(source, "source");
        }
    }

    private final Map<InetAddress, Ban> addresses = new ConcurrentHashMap<>();
    private final List<Ban> ranges = new CopyOnWriteArrayList<>();
    private final List<ToIntFunction<IpRange>> enforcers = new CopyOnWriteArrayList<>();
    private final Clock clock;
    private final BanStore store;
    private final ExecutorService writer;

    public BanList(Clock clock) {
        this(clock, null);
    }

    public BanList() {
        this(Clock.systemUTC());
    }

    /**
     * @param store where bans are kept across restarts, or null for memory only; the bans in force
     *     there are loaded now
     */
    public BanList(Clock clock, BanStore store) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.store = store;
        this.writer = store == null ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "templar-ban-writer");
            t.setDaemon(true);
            return t;
        });
        if (store != null) {
            load();
        }
    }

    private void load() {
        List<BanStore.StoredBan> stored;
        try {
            stored = store.active(clock.instant());
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot read the bans from the database: " + e.getMessage(), e);
        }
        for (BanStore.StoredBan s : stored) {
            IpRange range;
            Source source;
            try {
                range = IpRange.parse(s.range());
                source = Source.valueOf(s.source().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                log.warn("ignoring a stored ban of '{}': {}", s.range(), e.getMessage());
                continue;
            }
            put(new Ban(range, s.reason(), source, s.createdAt(), s.expiresAt()));
        }
        if (!stored.isEmpty()) {
            log.info("{} ban(s) in force loaded from the database", stored.size());
        }
    }

    /**
     * Bans {@code range} for {@code duration} (replacing an earlier ban of the same range). The ban is
     * in force at once; {@link #persisted} tells when it is also in the database.
     */
    public Ban ban(IpRange range, Duration duration, String reason, Source source) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("a ban lasts a positive time");
        }
        Instant now = clock.instant();
        Ban ban = new Ban(range, reason, source, now, now.plus(duration));
        put(ban);
        if (store != null) {
            lastWrite = write(() -> store.save(new BanStore.StoredBan(range.toString(), reason, source.text(), ban.created(), ban.until())));
        }
        return ban;
    }

    /** An operator's ban of one address, as before ranges and reasons existed. */
    public Instant ban(InetAddress address, Duration duration) {
        return ban(IpRange.of(address), duration, "banned by the operator", Source.OPERATOR).until();
    }

    private volatile CompletableFuture<Void> lastWrite = CompletableFuture.completedFuture(null);

    /** Completes once every ban and unban made so far is in the database (at once without a store). */
    public CompletableFuture<Void> persisted() {
        return lastWrite;
    }

    private interface SqlAction {
        void run() throws java.sql.SQLException;
    }

    private CompletableFuture<Void> write(SqlAction action) {
        return CompletableFuture.runAsync(() -> {
            try {
                action.run();
            } catch (java.sql.SQLException e) {
                // the ban holds in memory; only a restart would forget it
                log.warn("could not write a ban to the database: {}", e.getMessage());
                throw new java.util.concurrent.CompletionException(e);
            }
        }, writer);
    }

    private void put(Ban ban) {
        if (ban.range().isSingleAddress()) {
            addresses.put(ban.range().address(), ban);
        } else {
            ranges.removeIf(b -> b.range().equals(ban.range()));
            ranges.add(ban);
        }
    }

    public boolean unban(IpRange range) {
        boolean was = range.isSingleAddress() ? addresses.remove(range.address()) != null
                : ranges.removeIf(b -> b.range().equals(range));
        if (store != null) {
            lastWrite = write(() -> store.delete(range.toString()));
        }
        return was;
    }

    public boolean unban(InetAddress address) {
        return unban(IpRange.of(address));
    }

    public boolean isBanned(InetAddress address) {
        return banOf(address) != null;
    }

    /** The ban in force on {@code address}, or null. */
    public Ban banOf(InetAddress address) {
        Instant now = clock.instant();
        Ban b = addresses.get(address);
        if (b != null) {
            if (now.isBefore(b.until())) {
                return b;
            }
            addresses.remove(address, b); // expired
        }
        if (!ranges.isEmpty()) {
            for (Ban r : ranges) {
                if (r.range().contains(address) && now.isBefore(r.until())) {
                    return r;
                }
            }
        }
        return null;
    }

    /** The bans in force now, by range text. */
    public List<Ban> active() {
        Instant now = clock.instant();
        List<Ban> out = new ArrayList<>();
        for (Ban b : addresses.values()) {
            if (now.isBefore(b.until())) {
                out.add(b);
            }
        }
        for (Ban b : ranges) {
            if (now.isBefore(b.until())) {
                out.add(b);
            }
        }
        out.sort(Comparator.comparing((Ban b) -> b.range().toString()));
        return out;
    }

    /**
     * A listener that closes its connections inside a range (each Stratum listener registers one);
     * it returns how many it closed. Returns the handle that removes it.
     */
    public AutoCloseable addEnforcer(ToIntFunction<IpRange> disconnect) {
        enforcers.add(disconnect);
        return () -> enforcers.remove(disconnect);
    }

    /** Closes every connection inside {@code range} on every listener; returns how many. */
    public int enforce(IpRange range) {
        int n = 0;
        for (ToIntFunction<IpRange> e : enforcers) {
            n += e.applyAsInt(range);
        }
        return n;
    }

    /** Waits (a little) for the last writes; called when the pool stops. */
    @Override
    public void close() {
        if (writer != null) {
            writer.shutdown();
            try {
                writer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
