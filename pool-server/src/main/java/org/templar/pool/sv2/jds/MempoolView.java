package org.templar.pool.sv2.jds;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.node.BoundedCalls;
import org.templar.pool.node.NodeClient;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.share.Hex;

/**
 * The JDS's own index of the pool node's mempool (spec 6.1: the JDS maintains an internal mempool):
 * wtxid to txid and base fee, so a declaration finds the transactions the pool's template lacks
 * without asking the node for its whole mempool each time. {@code getrawmempool true} per declaration
 * cost hundreds of milliseconds with a few thousand entries (the node computes every entry's
 * ancestors and descendants) and grows with the mempool, not with the declaration.
 *
 * <p>A refresh asks for the txids only ({@code getrawmempool}), forgets those gone, and asks
 * {@code getmempoolentry} for the few it has not seen (a bounded number at a time); when it has
 * seen none yet or many are new, one {@code getrawmempool true} is cheaper than thousands of calls.
 * A declaration waits for a refresh only when the view is older than {@code maxAge}; a transaction
 * that reached the node after the last refresh is then asked of the miner, which is what
 * ProvideMissingTransactions is for.
 *
 * <p>While declarations keep coming ({@link #freshForDeclaration}), the view refreshes itself in the
 * background every half {@code maxAge}, so a declaration finds it young enough instead of waiting for
 * a {@code getrawmempool} on its own path (that wait was the slow tail of declarations: about one in
 * twenty under a steady load waited for the once-a-second refresh). It stops {@link #KEEP_WARM} after
 * the last declaration, so an idle JDS asks its node nothing. Thread-safe: refreshes complete on the
 * HTTP client's threads, lookups come from event loops.
 */
public final class MempoolView {
    private static final Logger log = LoggerFactory.getLogger(MempoolView.class);
    /** Above this many unseen txids, one verbose getrawmempool instead of one call each. */
    static final int BULK_THRESHOLD = 500;
    /** How long after the last declaration the view keeps refreshing itself. */
    static final java.time.Duration KEEP_WARM = java.time.Duration.ofSeconds(30);
    /** Background refreshes no closer together than this, whatever the configured age. */
    static final long MIN_PERIOD_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50);

    /** A mempool transaction: txid in internal byte order, base fee in satoshis. */
    public record Entry(byte[] txid, long feeSats) {}

    private final Map<Bytes, Entry> byWtxid = new ConcurrentHashMap<>();
    private final Map<Bytes, Bytes> wtxidByTxid = new ConcurrentHashMap<>();
    private final BoundedCalls calls;
    private final LongSupplier nanoClock;
    // refresh state, guarded by this: at most one refresh runs; callers needing a newer one than the
    // running one share one queued after it
    private CompletableFuture<Void> running;
    private long runningStarted;
    private CompletableFuture<Void> queued;
    private NodeClient queuedNode;
    private long lastDoneStarted;
    private boolean everRefreshed;
    private final java.util.concurrent.atomic.AtomicLong refreshes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong waits = new java.util.concurrent.atomic.AtomicLong();
    // background refreshes, guarded by this
    private boolean keeping;
    private long lastDeclarationNanos;
    private boolean stopped;

    public MempoolView(BoundedCalls calls, LongSupplier nanoClock) {
        this.calls = calls;
        this.nanoClock = nanoClock;
    }

    /** The entry for a wtxid (internal byte order), if the view has it. */
    public Optional<Entry> get(byte[] wtxid) {
        return Optional.ofNullable(byWtxid.get(Bytes.of(wtxid)));
    }

    public int size() {
        return byWtxid.size();
    }

    /** Refreshes started so far (for benchmarks and metrics). */
    public long refreshes() {
        return refreshes.get();
    }

    /** Declarations ({@link #freshForDeclaration}) that had to wait for a refresh: the view was too old. */
    public long waits() {
        return waits.get();
    }

    /**
     * Completes once the view reflects a {@code getrawmempool} asked no more than {@code maxAge} before
     * this call: at once when the last refresh is that recent, else when a refresh that started late
     * enough ends (the running one, or one queued after it). Never fails: a node that cannot answer
     * leaves the view as it was, and the declaration asks the miner for what it does not find.
     */
    public CompletableFuture<Void> fresh(NodeClient node, java.time.Duration maxAge) {
        long max = maxAge.toNanos();
        synchronized (this) {
            long now = nanoClock.getAsLong();
            if (everRefreshed && now - lastDoneStarted <= max) {
                return CompletableFuture.completedFuture(null);
            }
            if (running != null && now - runningStarted <= max) {
                return running;
            }
            if (running != null) {
                if (queued == null) {
                    queued = new CompletableFuture<>();
                    queuedNode = node;
                }
                return queued;
            }
            return start(node);
        }
    }

    /**
     * As {@link #fresh} for a declaration, which also keeps the view refreshing itself every half
     * {@code maxAge} from now until {@link #KEEP_WARM} after the last declaration: the next declarations
     * then find it fresh and do not wait. With {@code maxAge} zero every declaration refreshes anyway.
     */
    public CompletableFuture<Void> freshForDeclaration(NodeClient node, java.time.Duration maxAge) {
        long period = maxAge.toNanos() / 2;
        synchronized (this) {
            lastDeclarationNanos = nanoClock.getAsLong();
            if (!keeping && !stopped && period >= MIN_PERIOD_NANOS) {
                keeping = true;
                keepWarm(node, period);
            }
        }
        CompletableFuture<Void> f = fresh(node, maxAge);
        if (!f.isDone()) {
            waits.incrementAndGet();
        }
        return f;
    }

    /** One background refresh {@code periodNanos} from now, then the next, while declarations come. */
    private void keepWarm(NodeClient node, long periodNanos) {
        // on the delay scheduler's own thread: a refresh only sends a request and returns
        CompletableFuture.delayedExecutor(periodNanos, java.util.concurrent.TimeUnit.NANOSECONDS, Runnable::run)
                .execute(() -> {
                    synchronized (this) {
                        if (stopped || nanoClock.getAsLong() - lastDeclarationNanos > KEEP_WARM.toNanos()) {
                            keeping = false;
                            return;
                        }
                    }
                    fresh(node, java.time.Duration.ofNanos(periodNanos)).whenComplete((v, e) -> keepWarm(node, periodNanos));
                });
    }

    /** Background refreshes end (the pool is stopping); lookups and {@link #fresh} still work. */
    public synchronized void stop() {
        stopped = true;
    }

    /** Whether the view is refreshing itself in the background (declarations came recently). */
    public synchronized boolean keepingWarm() {
        return keeping;
    }

    /** Starts a refresh; the caller holds the lock and no refresh is running. */
    private CompletableFuture<Void> start(NodeClient node) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long started = nanoClock.getAsLong();
        refreshes.incrementAndGet();
        running = done;
        runningStarted = started;
        CompletableFuture<Void> work;
        try {
            work = refresh(node);
        } catch (RuntimeException e) {
            work = CompletableFuture.failedFuture(e);
        }
        work.whenComplete((v, e) -> {
            if (e != null) {
                log.debug("mempool view not refreshed: {}", e.toString());
            }
            CompletableFuture<Void> next;
            NodeClient nextNode;
            synchronized (this) {
                lastDoneStarted = started;
                everRefreshed = true;
                if (running == done) {
                    running = null;
                }
                next = queued;
                nextNode = queuedNode;
                queued = null;
                queuedNode = null;
                if (next != null) {
                    start(nextNode).whenComplete((x, y) -> next.complete(null));
                }
            }
            done.complete(null);
        });
        return done;
    }

    private CompletableFuture<Void> refresh(NodeClient node) {
        return node.getRawMempool().thenCompose(txids -> {
            Set<Bytes> present = new HashSet<>(txids.size() * 2);
            List<String> unseen = new ArrayList<>();
            for (String t : txids) {
                Bytes txid = Bytes.of(Hex.reverse(Hex.decode(t)));
                present.add(txid);
                if (!wtxidByTxid.containsKey(txid)) {
                    unseen.add(t);
                }
            }
            for (var it = wtxidByTxid.entrySet().iterator(); it.hasNext();) {
                var e = it.next();
                if (!present.contains(e.getKey())) {
                    byWtxid.remove(e.getValue());
                    it.remove();
                }
            }
            if (unseen.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            if (unseen.size() > BULK_THRESHOLD) {
                return calls.submit(node::getRawMempoolVerbose).thenAccept(all -> {
                    for (NodeClient.MempoolTx tx : all.values()) {
                        put(tx);
                    }
                });
            }
            List<CompletableFuture<Void>> fetches = new ArrayList<>(unseen.size());
            for (String t : unseen) {
                fetches.add(calls.submit(() -> node.getMempoolEntry(t)).thenAccept(e -> e.ifPresent(this::put)));
            }
            return CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new));
        });
    }

    private void put(NodeClient.MempoolTx tx) {
        Bytes txid = Bytes.of(Hex.reverse(Hex.decode(tx.txid())));
        Bytes wtxid = Bytes.of(Hex.reverse(Hex.decode(tx.wtxid())));
        byWtxid.put(wtxid, new Entry(txid.toArray(), tx.feeSats()));
        wtxidByTxid.put(txid, wtxid);
    }
}
