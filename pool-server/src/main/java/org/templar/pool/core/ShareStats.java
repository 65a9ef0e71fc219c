package org.templar.pool.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Live figures of the work miners do, kept in memory from the shares the pool judges: hashrate per
 * worker (and so per account and for the pool) over 5 min / 1 h / 24 h, best share difficulties,
 * shares by outcome and last share time.
 *
 * <p>Hashrate is estimated from accepted difficulty: a share of difficulty d costs on average
 * d * 2^32 hashes, so hashrate = sum(d) * 2^32 / seconds. Memory is bounded per worker: accepted
 * difficulty goes into per-minute buckets (enough for 5 min and 1 h) and 10-minute buckets (for
 * 24 h) kept in fixed rings; a worker with no share for 24 h is forgotten.
 *
 * <p>Called from every event loop; each worker's figures are guarded by that worker's own lock, which
 * is uncontended in practice (a worker's shares arrive on its connection's loop).
 */
public final class ShareStats {
    public static final double HASHES_PER_DIFFICULTY_1 = 4294967296.0; // 2^32

    /** The windows reported everywhere, in seconds. */
    public enum Window {
        M5(300, "5m"), H1(3600, "1h"), H24(86400, "24h");

        public final long seconds;
        public final String label;

        Window(long seconds, String label) {
            this.seconds = seconds;
            this.label = label;
        }
    }

    private static final long IDLE_EVICTION_MILLIS = 24 * 3600_000L;
    private static final long SWEEP_EVERY_MILLIS = 60_000L;
    private static final long TEN_MINUTES_MILLIS = 600_000L;
    /** 24 hours of 10-minute slots: what {@link #series} draws. */
    public static final int SERIES_SLOTS = 144;

    private final LongSupplier clockMillis;
    private final ConcurrentHashMap<String, WorkerState> workers = new ConcurrentHashMap<>();
    private final EnumMap<ShareVerdict, LongAdder> byOutcome = new EnumMap<>(ShareVerdict.class);
    /** Incremented when a block is found: per-round bests from an older round no longer count. */
    private final AtomicLong round = new AtomicLong();
    private final AtomicLong lastSweep = new AtomicLong();
    private final TemplateSourceStats templates;

    public ShareStats(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
        this.templates = new TemplateSourceStats(clockMillis);
        for (ShareVerdict v : ShareVerdict.values()) {
            byOutcome.put(v, new LongAdder());
        }
    }

    public static ShareStats systemClock() {
        return new ShareStats(System::currentTimeMillis);
    }

    /** Hashes per second over each window. */
    public record Hashrate(double m5, double h1, double h24) {
        public static final Hashrate ZERO = new Hashrate(0, 0, 0);

        public Hashrate plus(Hashrate o) {
            return new Hashrate(m5 + o.m5, h1 + o.h1, h24 + o.h24);
        }

        public double of(Window w) {
            return switch (w) {
                case M5 -> m5;
                case H1 -> h1;
                case H24 -> h24;
            };
        }
    }

    /**
     * One worker as seen now.
     *
     * @param rejected refused shares by reason (lower-case verdict names, the metric's spelling)
     * @param bestDifficulty best achieved difficulty of any share since the worker was first seen
     * @param bestDifficultyRound best achieved difficulty since the pool last found a block
     */
    public record WorkerView(String worker, String account, Hashrate hashrate, long accepted,
            Map<String, Long> rejected, double bestDifficulty, double bestDifficultyRound, Instant lastShareAt) {
        public WorkerView {
            rejected = Map.copyOf(rejected);
        }
    }

    /** One account (the username before the first '.'): the sum of its workers. */
    public record AccountView(String account, Hashrate hashrate, int workers, long accepted, double bestDifficulty,
            double bestDifficultyRound, Instant lastShareAt) {}

    /** The whole pool. {@code lastShareAt} is null before the first share. */
    public record PoolView(Hashrate hashrate, int workers, Map<String, Long> sharesByOutcome, double bestDifficulty,
            double bestDifficultyRound, Instant lastShareAt) {
        public PoolView {
            sharesByOutcome = Map.copyOf(sharesByOutcome);
        }
    }

    /** Job Declaration figures: work by template source, declarations by outcome (same clock). */
    public TemplateSourceStats templates() {
        return templates;
    }

    /** Records one judged share. Shares without a worker (unauthorized) are not attributed to anyone. */
    public void record(String username, ShareVerdict verdict, double shareDifficulty, double achievedDifficulty) {
        byOutcome.get(verdict).increment();
        if (username == null) {
            return;
        }
        long now = clockMillis.getAsLong();
        // Only an accepted share (real work at the pool's minimum difficulty or more) creates a worker's
        // figures; refused shares under names never seen accepted would otherwise cost memory for free.
        WorkerState w = verdict == ShareVerdict.ACCEPTED ? workers.computeIfAbsent(username, WorkerState::new)
                : workers.get(username);
        if (w != null) {
            w.record(verdict, shareDifficulty, achievedDifficulty, now, round.get());
        }
        sweep(now);
    }

    /** A block was found: the round's best share starts again from zero. */
    public void roundEnded() {
        round.incrementAndGet();
    }

    public List<WorkerView> workers() {
        long now = clockMillis.getAsLong();
        long r = round.get();
        List<WorkerView> out = new ArrayList<>();
        for (WorkerState w : workers.values()) {
            out.add(w.view(now, r));
        }
        out.sort(Comparator.comparing(WorkerView::worker));
        return out;
    }

    public List<AccountView> accounts() {
        Map<String, List<WorkerView>> byAccount = new TreeMap<>();
        for (WorkerView w : workers()) {
            byAccount.computeIfAbsent(w.account(), a -> new ArrayList<>()).add(w);
        }
        List<AccountView> out = new ArrayList<>();
        byAccount.forEach((account, ws) -> {
            Hashrate h = Hashrate.ZERO;
            long accepted = 0;
            double best = 0;
            double bestRound = 0;
            Instant last = null;
            for (WorkerView w : ws) {
                h = h.plus(w.hashrate());
                accepted += w.accepted();
                best = Math.max(best, w.bestDifficulty());
                bestRound = Math.max(bestRound, w.bestDifficultyRound());
                last = later(last, w.lastShareAt());
            }
            out.add(new AccountView(account, h, ws.size(), accepted, best, bestRound, last));
        });
        return out;
    }

    public PoolView pool() {
        Hashrate h = Hashrate.ZERO;
        double best = 0;
        double bestRound = 0;
        Instant last = null;
        List<WorkerView> ws = workers();
        for (WorkerView w : ws) {
            h = h.plus(w.hashrate());
            best = Math.max(best, w.bestDifficulty());
            bestRound = Math.max(bestRound, w.bestDifficultyRound());
            last = later(last, w.lastShareAt());
        }
        Map<String, Long> outcomes = new TreeMap<>();
        byOutcome.forEach((v, n) -> outcomes.put(reason(v), n.sum()));
        return new PoolView(h, ws.size(), outcomes, best, bestRound, last);
    }

    /** One point of a hashrate chart: the 10-minute slot starting at {@code start}. */
    public record Point(Instant start, double hashrate) {}

    /**
     * Hashrate per 10-minute slot over the last 24 hours, oldest first, summed over the workers whose
     * account {@code account} accepts (all of them for the pool's chart). The current slot, still
     * filling, is measured over the part of it that has passed.
     */
    public List<Point> series(java.util.function.Predicate<String> account) {
        long now = clockMillis.getAsLong();
        long slot = TEN_MINUTES_MILLIS;
        long lastIdx = now / slot;
        int n = SERIES_SLOTS;
        double[] sums = new double[n];
        for (WorkerState w : workers.values()) {
            if (account.test(w.account)) {
                w.addTenMinuteSums(sums, lastIdx - n + 1);
            }
        }
        List<Point> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long startMillis = (lastIdx - n + 1 + i) * slot;
            double seconds = Math.max(1.0, (Math.min(now, startMillis + slot) - startMillis) / 1000.0);
            out.add(new Point(Instant.ofEpochMilli(startMillis), sums[i] * HASHES_PER_DIFFICULTY_1 / seconds));
        }
        return out;
    }

    /** The spelling of a verdict in metrics, the API and the CLI. */
    public static String reason(ShareVerdict v) {
        return v.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Expected seconds to find a block at {@code hashrate} when the network is at {@code difficulty};
     * infinite with no hashrate.
     */
    public static double expectedSecondsToBlock(double networkDifficulty, double hashrate) {
        return hashrate <= 0 ? Double.POSITIVE_INFINITY : networkDifficulty * HASHES_PER_DIFFICULTY_1 / hashrate;
    }

    private static Instant later(Instant a, Instant b) {
        return a == null || (b != null && b.isAfter(a)) ? b : a;
    }

    private void sweep(long now) {
        long last = lastSweep.get();
        if (now - last < SWEEP_EVERY_MILLIS || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        workers.values().removeIf(w -> w.idleSince(now) > IDLE_EVICTION_MILLIS);
    }

    /** Everything about one worker; all access under its monitor. */
    private static final class WorkerState {
        private final String username;
        private final String account;
        private final Ring minutes = new Ring(60_000L, 61);
        private final Ring tenMinutes = new Ring(TEN_MINUTES_MILLIS, SERIES_SLOTS + 1);
        private final long[] rejected = new long[ShareVerdict.values().length];
        private long accepted;
        private double best;
        private double bestRound;
        private long bestRoundOf = -1;
        private long lastShareMillis;
        /**
         * The first accepted share and its difficulty. A window that reaches back before it is measured
         * from it instead, without counting it: the time before it is time the pool did not watch.
         */
        private long firstAcceptedMillis = -1;
        private double firstAcceptedDifficulty;

        WorkerState(String username) {
            this.username = username;
            this.account = Worker.userOf(username);
        }

        synchronized void record(ShareVerdict verdict, double shareDifficulty, double achieved, long now, long round) {
            lastShareMillis = Math.max(lastShareMillis, now);
            if (verdict != ShareVerdict.ACCEPTED) {
                rejected[verdict.ordinal()]++;
                return;
            }
            accepted++;
            if (firstAcceptedMillis < 0) {
                firstAcceptedMillis = now;
                firstAcceptedDifficulty = shareDifficulty;
            }
            minutes.add(now, shareDifficulty);
            tenMinutes.add(now, shareDifficulty);
            best = Math.max(best, achieved);
            if (bestRoundOf != round) {
                bestRoundOf = round;
                bestRound = 0;
            }
            bestRound = Math.max(bestRound, achieved);
        }

        /** Adds this worker's 10-minute sums into {@code into}, whose slot 0 is slot index {@code firstIdx}. */
        synchronized void addTenMinuteSums(double[] into, long firstIdx) {
            tenMinutes.addInto(into, firstIdx);
        }

        synchronized long idleSince(long now) {
            return now - lastShareMillis;
        }

        synchronized WorkerView view(long now, long round) {
            Hashrate h = new Hashrate(rate(minutes, Window.M5, now), rate(minutes, Window.H1, now),
                    rate(tenMinutes, Window.H24, now));
            Map<String, Long> rej = new TreeMap<>();
            for (ShareVerdict v : ShareVerdict.values()) {
                if (rejected[v.ordinal()] > 0) {
                    rej.put(reason(v), rejected[v.ordinal()]);
                }
            }
            return new WorkerView(username, account, h, accepted, rej, best, bestRoundOf == round ? bestRound : 0,
                    lastShareMillis == 0 ? null : Instant.ofEpochMilli(lastShareMillis));
        }

        private double rate(Ring ring, Window w, long now) {
            if (firstAcceptedMillis < 0) {
                return 0;
            }
            long from = ring.windowStart(now, w.seconds * 1000);
            double sum = ring.sumFrom(from, now);
            if (firstAcceptedMillis >= from) {
                from = firstAcceptedMillis;
                sum -= firstAcceptedDifficulty;
            }
            long spanMillis = now - from;
            // under a second of observation says nothing yet
            return spanMillis < 1000 || sum <= 0 ? 0 : sum * HASHES_PER_DIFFICULTY_1 / (spanMillis / 1000.0);
        }
    }

    /**
     * Difficulty summed per time slot in a fixed ring. A window of length L covers the slots that start
     * after now - L (so it measures between L - slot and L, never more than it holds).
     */
    static final class Ring {
        private final long slotMillis;
        private final long[] slotIndex;
        private final double[] sums;

        Ring(long slotMillis, int slots) {
            this.slotMillis = slotMillis;
            this.slotIndex = new long[slots];
            this.sums = new double[slots];
            java.util.Arrays.fill(slotIndex, -1);
        }

        void add(long now, double value) {
            long idx = now / slotMillis;
            int pos = (int) (idx % sums.length);
            if (slotIndex[pos] != idx) {
                slotIndex[pos] = idx;
                sums[pos] = 0;
            }
            sums[pos] += value;
        }

        /** Start of the oldest slot a window of {@code windowMillis} ending now covers completely. */
        long windowStart(long now, long windowMillis) {
            long firstIdx = (now - windowMillis) / slotMillis + 1;
            return firstIdx * slotMillis;
        }

        void addInto(double[] into, long firstIdx) {
            for (int i = 0; i < sums.length; i++) {
                long at = slotIndex[i] - firstIdx;
                if (slotIndex[i] >= 0 && at >= 0 && at < into.length) {
                    into[(int) at] += sums[i];
                }
            }
        }

        double sumFrom(long fromMillis, long now) {
            long fromIdx = fromMillis / slotMillis;
            long toIdx = now / slotMillis;
            double sum = 0;
            for (int i = 0; i < sums.length; i++) {
                if (slotIndex[i] >= fromIdx && slotIndex[i] <= toIdx) {
                    sum += sums[i];
                }
            }
            return sum;
        }
    }
}
