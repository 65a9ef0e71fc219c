package org.templar.pool.job;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.payout.coinbase.PayoutPlan;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.node.NodeGroup;
import org.templar.pool.node.TipWatcher;

/**
 * Keeps a current {@link Template}: a fresh one at once on every new tip, a refreshed one every
 * refresh interval (new fees), and, while the node is unreachable, the last good one with retries
 * every second. Templates are published to listeners on this source's own thread; listeners hand them
 * to each session's event loop.
 */
public final class TemplateSource implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TemplateSource.class);

    private final NodeGroup nodes;
    private volatile JobSettings settings;
    private final Duration refreshInterval;
    private final TipWatcher tipWatcher;
    private final UnaryOperator<BlockTemplate> policy;
    private final ScheduledExecutorService timer;
    private final List<Consumer<Template>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<Template> current = new AtomicReference<>();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong jobIds = new AtomicLong();
    private final AtomicBoolean fetching = new AtomicBoolean();
    private final AtomicBoolean fetchAgain = new AtomicBoolean();
    private final AtomicBoolean nodeDown = new AtomicBoolean();
    /** The next template is published even when its work is unchanged (fresh job ids wanted). */
    private final AtomicBoolean renew = new AtomicBoolean();
    private final AtomicLong fetched = new AtomicLong();
    private volatile boolean closed;
    private volatile Template.CoinbaseMaker coinbaseMaker;
    private volatile PayoutPlanner planner;

    /**
     * The payout of every job of a template, computed once per template on this source's thread (it
     * may read the ledger): an in-coinbase scheme's plan (TIDES). Null means each session's own plan.
     */
    @FunctionalInterface
    public interface PayoutPlanner {
        PayoutPlan planFor(BlockTemplate template, JobSettings settings);
    }

    /**
     * Plans the payout of every later template with {@code planner}. A template whose work is
     * unchanged is published again when its plan changed (the share window moved), so miners' jobs
     * follow the window at each refresh, not only at each new block.
     */
    public void usePayoutPlanner(PayoutPlanner planner) {
        this.planner = planner;
    }

    /** The job settings (pool tag, coinbase size...) templates are cut with. */
    public JobSettings settings() {
        return settings;
    }

    /**
     * Replaces the job settings ({@code templar reload}, e.g. a new pool tag): the next template is
     * cut with them; work already sent keeps the coinbase it was built with.
     */
    public void settings(JobSettings settings) {
        this.settings = java.util.Objects.requireNonNull(settings, "settings");
    }

    public TemplateSource(NodeGroup nodes, JobSettings settings, Duration pollInterval, Duration refreshInterval,
            Optional<String> zmqEndpoint) {
        this(nodes, settings, pollInterval, refreshInterval, zmqEndpoint, UnaryOperator.identity());
    }

    /**
     * @param policy rewrites each template the node gives before it is published (the miner-side proxy
     *     applies its own transaction policy there); the pool uses the node's template as it is
     */
    public TemplateSource(NodeGroup nodes, JobSettings settings, Duration pollInterval, Duration refreshInterval,
            Optional<String> zmqEndpoint, UnaryOperator<BlockTemplate> policy) {
        this.policy = policy;
        this.nodes = nodes;
        this.settings = settings;
        this.refreshInterval = refreshInterval;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "template-source");
            t.setDaemon(true);
            return t;
        });
        this.tipWatcher = nodes == null ? null : new TipWatcher(nodes, pollInterval, zmqEndpoint, tip -> refresh());
        // job ids start at a random point so that a restarted pool does not reuse the ids miners hold
        this.jobIds.set(new java.security.SecureRandom().nextInt() & 0xffffffL);
    }

    /**
     * A source that fetches nothing: templates are pushed to it with {@link #offer} (the proxy's
     * Template Distribution client). Everything else (policy, unchanged-work detection, job ids,
     * listeners, coinbase makers) is as for a node's templates; {@link #refresh()} has nothing to ask.
     */
    public static TemplateSource pushed(JobSettings settings, UnaryOperator<BlockTemplate> policy) {
        return new TemplateSource(null, settings, Duration.ofSeconds(1), Duration.ofDays(365), Optional.empty(), policy);
    }

    /** Publishes a template pushed from elsewhere (only for a {@link #pushed} source), on this source's thread. */
    public void offer(BlockTemplate bt) {
        if (nodes != null) {
            throw new IllegalStateException("this source fetches its templates from its nodes");
        }
        if (!closed) {
            timer.execute(() -> {
                BlockTemplate shaped;
                try {
                    shaped = policy.apply(bt);
                } catch (RuntimeException pe) {
                    log.error("template policy failed on the template at height {}; keeping the last work", bt.height(), pe);
                    return;
                }
                fetched.incrementAndGet();
                publish(shaped, renew.getAndSet(false), false);
            });
        }
    }

    public void addListener(Consumer<Template> listener) {
        listeners.add(listener);
        Template t = current.get();
        if (t != null) {
            listener.accept(t);
        }
    }

    public Template current() {
        return current.get();
    }

    /** Templates received from the node so far, published or not (unchanged work is not). */
    public long templatesFetched() {
        return fetched.get();
    }

    /**
     * Fetches the first template, waiting up to {@code timeout} for the node, then starts watching.
     * Returns false if the node did not answer in time (watching starts anyway and work begins as
     * soon as it answers).
     */
    public boolean start(Duration timeout) {
        if (nodes == null) {
            long end = System.nanoTime() + timeout.toNanos();
            while (current.get() == null && System.nanoTime() < end && !closed) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return current.get() != null;
        }
        CompletableFuture<Void> first = fetch();
        boolean ok;
        try {
            first.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            ok = current.get() != null;
        } catch (Exception e) {
            ok = false;
        }
        tipWatcher.start(current.get() == null ? null : current.get().blockTemplate().previousBlockHashHex());
        timer.scheduleWithFixedDelay(this::periodic, 1000, 1000, TimeUnit.MILLISECONDS);
        return ok;
    }

    private long lastFetchNanos = System.nanoTime();

    private void periodic() {
        boolean due = System.nanoTime() - lastFetchNanos >= refreshInterval.toNanos();
        if (due || current.get() == null || nodeDown.get()) {
            refresh();
        }
    }

    /** Asks for a new template now (new tip seen, or a caller knows the work changed). */
    public void refresh() {
        if (!closed && nodes != null) {
            fetch();
        }
    }

    /**
     * Asks for a new template and publishes it with fresh job ids even if the work is unchanged: a
     * job whose duplicate filter is full needs new ids for miners to move to. The new jobs share
     * duplicate detection with the old ones (same work, same headers), see {@link DuplicateScope}.
     */
    public void renewJobs() {
        if (nodes == null) {
            if (!closed) {
                timer.execute(() -> {
                    Template prev = current.get();
                    if (prev != null) {
                        publish(prev.blockTemplate(), true, false);
                    }
                });
            }
            return;
        }
        renew.set(true);
        refresh();
    }

    private CompletableFuture<Void> fetch() {
        if (!fetching.compareAndSet(false, true)) {
            fetchAgain.set(true); // a tip arrived while a fetch is out: fetch once more after it
            return CompletableFuture.completedFuture(null);
        }
        lastFetchNanos = System.nanoTime();
        return nodes.getBlockTemplate().handle((bt, e) -> {
            if (e != null) {
                if (nodeDown.compareAndSet(false, true)) {
                    log.error("no node answers getblocktemplate ({}); miners keep the last work, retrying every second",
                            rootMessage(e));
                }
            } else {
                if (nodeDown.compareAndSet(true, false)) {
                    log.info("node is back; template at height {}", bt.height());
                }
                BlockTemplate shaped;
                try {
                    shaped = policy.apply(bt);
                } catch (RuntimeException pe) {
                    shaped = null;
                    log.error("template policy failed on the template at height {}; keeping the last work", bt.height(), pe);
                }
                if (shaped != null) {
                    publish(shaped, renew.getAndSet(false), false);
                }
                fetched.incrementAndGet();
            }
            fetching.set(false);
            if (fetchAgain.getAndSet(false)) {
                fetch();
            }
            return null;
        });
    }

    /**
     * Builds jobs of later templates with {@code maker} (null: the pool's own coinbase). Call
     * {@link #republish()} to move miners at once.
     */
    public void useCoinbaseMaker(Template.CoinbaseMaker maker) {
        this.coinbaseMaker = maker;
    }

    /**
     * Publishes the current node template again as a fresh template that replaces all earlier work
     * (miners drop their jobs at once), on this source's thread. For a change of coinbase, not of tip.
     */
    public void republish() {
        if (!closed) {
            timer.execute(() -> {
                Template prev = current.get();
                if (prev != null) {
                    publish(prev.blockTemplate(), false, true);
                }
            });
        }
    }

    /**
     * @param renewIds hand out fresh job ids even for unchanged work (a job's duplicate filter is full)
     * @param replaceWork the coinbase changed: every miner drops its jobs, whatever the template says
     */
    private synchronized void publish(BlockTemplate bt, boolean renewIds, boolean replaceWork) {
        Template prev = current.get();
        boolean sameWork = !replaceWork && prev != null && Template.sameWork(prev.blockTemplate(), bt);
        PayoutPlan planned = plan(bt, prev);
        if (sameWork && !renewIds && planned != null && !samePayout(planned, prev.planned(), bt.coinbaseValue())) {
            log.debug("template at height {}: the payout plan changed; publishing it with the new plan", bt.height());
        } else if (sameWork && !renewIds) {
            // A refresh (the periodic one, a second tip notification, a poll after ZMQ) that found
            // nothing new. Publishing it would send every miner the same work under a new job id: no
            // use to anyone, and each id is one more chance to submit the same share again.
            log.debug("refreshed template at height {} is unchanged; keeping the current jobs", bt.height());
            return;
        }
        boolean newTip = replaceWork || prev == null
                || !java.util.Arrays.equals(prev.blockTemplate().previousBlockHash(), bt.previousBlockHash());
        Template t = new Template(sequence.incrementAndGet(), bt, newTip, settings,
                () -> JobId.of(jobIds.incrementAndGet() & 0xffffffffL), sameWork ? prev : null,
                coinbaseMaker, planned);
        current.set(t);
        if (newTip) {
            log.info("new block template at height {} on {} ({} transactions, {} sat)", bt.height(),
                    bt.previousBlockHashHex(), bt.transactions().size(), bt.coinbaseValue());
            if (tipWatcher != null) {
                tipWatcher.offer(bt.previousBlockHashHex());
            }
        } else {
            log.debug("refreshed template at height {} ({} transactions)", bt.height(), bt.transactions().size());
        }
        for (Consumer<Template> l : listeners) {
            try {
                l.accept(t);
            } catch (RuntimeException ex) {
                log.error("template listener failed", ex);
            }
        }
    }

    /**
     * This template's planned payout, or null without a planner. When planning fails (the ledger is
     * away), the previous template's plan is kept if it divides the same coinbase value; otherwise
     * the jobs pay the sessions' own plan (the pool's address), said loudly.
     */
    private PayoutPlan plan(BlockTemplate bt, Template prev) {
        PayoutPlanner p = planner;
        if (p == null) {
            return null;
        }
        try {
            return p.planFor(bt, settings);
        } catch (RuntimeException e) {
            if (prev != null && prev.planned() != null && prev.blockTemplate().coinbaseValue() == bt.coinbaseValue()) {
                log.error("cannot plan the payout of the template at height {} ({}); keeping the previous plan",
                        bt.height(), e.toString());
                return prev.planned();
            }
            log.error("cannot plan the payout of the template at height {} ({}); its jobs pay the pool's address",
                    bt.height(), e.toString());
            return null;
        }
    }

    private static boolean samePayout(PayoutPlan a, PayoutPlan b, long coinbaseValue) {
        return b != null && a.outputs(coinbaseValue).equals(b.outputs(coinbaseValue));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }

    @Override
    public void close() {
        closed = true;
        if (tipWatcher != null) {
            tipWatcher.close();
        }
        timer.shutdownNow();
    }
}
