package org.templar.pool.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Live Job Declaration figures: who chose the templates the pool's work was done on. Declarations by
 * outcome ("accepted" or the error code a DeclareMiningJob was refused with), accepted shares and
 * difficulty per template source ("pool" for the pool's own templates, "jd-full" / "jd-coinbase" for
 * miner-declared jobs), the fraction of work on miner-declared templates over 1 h and 24 h, how many
 * distinct accounts mined on templates they declared and how many JDS connections had a declaration
 * accepted in the last 24 h, and per worker the template source and revenue weight of its last
 * accepted share.
 *
 * <p>Fed by {@link StatsRecordingMetrics} from the same events as the counters; thread-safe, memory
 * bounded by the number of sources (a handful) and of workers and connections seen in 24 h.
 */
public final class TemplateSourceStats {
    /** The source of shares on the pool's own templates (the ledger's {@code template_source}). */
    public static final String POOL = "pool";
    /** The outcome label of an accepted declaration. */
    public static final String ACCEPTED = "accepted";

    private static final long DAY_MILLIS = 24 * 3600_000L;
    private static final long SWEEP_EVERY_MILLIS = 60_000L;

    private final LongSupplier clockMillis;
    private final ConcurrentHashMap<String, LongAdder> declarations = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, SourceState> sources = new ConcurrentHashMap<>();
    /** Account -> last accepted share on a miner-declared template (millis). */
    private final ConcurrentHashMap<String, Long> declaringAccounts = new ConcurrentHashMap<>();
    /** JDS connection -> last accepted declaration (millis). */
    private final ConcurrentHashMap<String, Long> declaringConnections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, WorkerTemplate> workers = new ConcurrentHashMap<>();
    private final AtomicLong lastSweep = new AtomicLong();

    public TemplateSourceStats(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
    }

    /** The template of a worker's last accepted share. */
    public record WorkerTemplate(String source, double revenueWeight, Instant at) {}

    /**
     * Shares accepted on one template source since the pool started, and the difficulty accepted on
     * it in all, over the last hour and over the last 24 hours.
     */
    public record SourceView(String source, long shares, double difficulty, double difficulty1h,
            double difficulty24h) {}

    /** A DeclareMiningJob answered: {@code outcome} is {@link #ACCEPTED} or the refusal's error code. */
    public void declaration(String outcome, String connectionId) {
        declarations.computeIfAbsent(outcome, o -> new LongAdder()).increment();
        if (ACCEPTED.equals(outcome) && connectionId != null) {
            declaringConnections.put(connectionId, clockMillis.getAsLong());
        }
    }

    /** An accepted share on a template from {@code source}, credited at {@code revenueWeight}. */
    public void share(String username, String source, double revenueWeight, double difficulty) {
        long now = clockMillis.getAsLong();
        sources.computeIfAbsent(source, s -> new SourceState()).add(now, difficulty);
        if (username != null) {
            workers.put(username, new WorkerTemplate(source, revenueWeight, Instant.ofEpochMilli(now)));
            if (!POOL.equals(source)) {
                declaringAccounts.put(Worker.userOf(username), now);
            }
        }
        sweep(now);
    }

    /** Declarations answered since the pool started, by outcome. */
    public Map<String, Long> declarationsByOutcome() {
        Map<String, Long> out = new TreeMap<>();
        declarations.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Every source that had an accepted share since the pool started, by name. */
    public List<SourceView> sources() {
        long now = clockMillis.getAsLong();
        List<SourceView> out = new ArrayList<>();
        new TreeMap<>(sources).forEach((name, s) -> out.add(s.view(name, now)));
        return out;
    }

    /**
     * The fraction of the accepted difficulty over {@code window} (1 h or 24 h; 5 min is measured as
     * 1 h's minute buckets allow) that was on miner-declared templates; 0 with no work at all.
     */
    public double declaredFraction(ShareStats.Window window) {
        double total = 0;
        double declared = 0;
        for (SourceView s : sources()) {
            double d = window == ShareStats.Window.H24 ? s.difficulty24h() : s.difficulty1h();
            total += d;
            if (!POOL.equals(s.source())) {
                declared += d;
            }
        }
        return total > 0 ? declared / total : 0;
    }

    /** Accounts with an accepted share on a template they declared in the last 24 hours. */
    public int declaringAccounts24h() {
        return countRecent(declaringAccounts);
    }

    /** JDS connections that had a declaration accepted in the last 24 hours. */
    public int declaringConnections24h() {
        return countRecent(declaringConnections);
    }

    public Optional<WorkerTemplate> worker(String username) {
        return Optional.ofNullable(workers.get(username));
    }

    private int countRecent(Map<String, Long> lastSeen) {
        long from = clockMillis.getAsLong() - DAY_MILLIS;
        return (int) lastSeen.values().stream().filter(t -> t > from).count();
    }

    private void sweep(long now) {
        long last = lastSweep.get();
        if (now - last < SWEEP_EVERY_MILLIS || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        long from = now - DAY_MILLIS;
        declaringAccounts.values().removeIf(t -> t <= from);
        declaringConnections.values().removeIf(t -> t <= from);
        workers.values().removeIf(w -> w.at().toEpochMilli() <= from);
    }

    /** One source's counts and difficulty rings; all access under its monitor. */
    private static final class SourceState {
        private final ShareStats.Ring minutes = new ShareStats.Ring(60_000L, 61);
        private final ShareStats.Ring tenMinutes = new ShareStats.Ring(600_000L, ShareStats.SERIES_SLOTS + 1);
        private long shares;
        private double difficulty;

        synchronized void add(long now, double d) {
            shares++;
            difficulty += d;
            minutes.add(now, d);
            tenMinutes.add(now, d);
        }

        synchronized SourceView view(String name, long now) {
            double h1 = minutes.sumFrom(minutes.windowStart(now, 3600_000L), now);
            double h24 = tenMinutes.sumFrom(tenMinutes.windowStart(now, DAY_MILLIS), now);
            return new SourceView(name, shares, difficulty, h1, h24);
        }
    }
}
