package org.templar.client.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.core.ShareProcessor;
import org.templar.pool.job.Job;
import org.templar.pool.job.Template;
import org.templar.pool.job.TemplateSource;
import org.templar.share.ExtranoncePrefix;

/**
 * Which upstream the proxy's miners are on: the first of the configured pools, in priority order, that
 * works, else solo on the solo address. The miners always have work: a pool that fails takes its maker
 * off the template source and the current template is republished as solo work at once, and the next
 * pool is asked to connect; it carries the miners as soon as it is ready (loopback: milliseconds; a
 * pool as slow as the timeout: that long).
 *
 * <p>Only the pools down to the one mined (or, while solo, down to the lowest one tried yet) hold a
 * connection. A pool below the one mined keeps none: a job token ages out at the JDS and an idle
 * connection is closed by the pool, so a standby connection would be stale exactly when it is needed.
 * The pools above the one mined keep retrying on their own back-off, so the proxy returns to the
 * highest one that works as soon as it is ready again.
 *
 * <p>The pools report from their own loops; the decisions are made under this object's lock, which
 * nothing on a share's path takes.
 */
public final class UpstreamSelector implements ShareProcessor.ShareObserver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UpstreamSelector.class);

    private final List<PoolUpstream> pools = new ArrayList<>();
    private final TemplateSource templates;
    private final String soloAddress;

    // under the lock
    private int active = -1; // the pool mined, or -1: solo
    private int frontier; // the lowest-priority pool that is wanted (holds or seeks a connection)
    private boolean allRetrying; // solo with every pool tried, and that was logged

    private volatile PoolUpstream current; // the pool mined, or null

    /**
     * @param pools in priority order, the first preferred; not empty
     * @param downstreamExtranonceSize the extranonce bytes the downstream miners roll
     */
    public UpstreamSelector(List<PoolUpstream.Config> pools, TemplateSource templates, int downstreamExtranonceSize,
            String soloAddress) {
        if (pools.isEmpty()) {
            throw new IllegalArgumentException("no pool to select from");
        }
        this.templates = templates;
        this.soloAddress = soloAddress;
        PoolUpstream.Listener events = new PoolUpstream.Listener() {
            @Override
            public void ready(PoolUpstream pool, Template.CoinbaseMaker maker) {
                onReady(pool, maker);
            }

            @Override
            public void lost(PoolUpstream pool, String reason, boolean wasReady) {
                onLost(pool, reason, wasReady);
            }
        };
        for (PoolUpstream.Config c : pools) {
            this.pools.add(new PoolUpstream(c, templates, downstreamExtranonceSize, events));
        }
    }

    /** Starts every pool's timers and connects to the first. */
    public synchronized void start() {
        pools.forEach(PoolUpstream::start);
        frontier = 0;
        pools.get(0).want();
    }

    /** Solo, or for a pool on the miner's templates. */
    public PoolUpstream.Mode mode() {
        return current == null ? PoolUpstream.Mode.SOLO : PoolUpstream.Mode.POOL;
    }

    /** The pool the miners are on, or empty while they mine solo. */
    public Optional<PoolUpstream.Config> activePool() {
        PoolUpstream p = current;
        return p == null ? Optional.empty() : Optional.of(p.config());
    }

    /** Each configured pool's state and last failure, in priority order. */
    public List<PoolUpstream.Status> status() {
        return pools.stream().map(PoolUpstream::status).toList();
    }

    /** The configured pools, in priority order. */
    public List<PoolUpstream> pools() {
        return List.copyOf(pools);
    }

    private String name(int i) {
        var at = pools.get(i).config().mining();
        return "pool " + (i + 1) + " of " + pools.size() + " (" + at.getHostString() + ":" + at.getPort() + ")";
    }

    private synchronized void onReady(PoolUpstream pool, Template.CoinbaseMaker maker) {
        int i = pools.indexOf(pool);
        if (active >= 0 && i >= active) {
            pool.standDown(); // a late report from a pool no longer wanted: one above is mined
            return;
        }
        String from = active < 0 ? "solo" : name(active);
        log.info("miners switch from {} to {}: it is ready", from, name(i));
        active = i;
        current = pool;
        allRetrying = false;
        templates.useCoinbaseMaker(maker);
        templates.republish();
        for (int j = i + 1; j < pools.size(); j++) {
            pools.get(j).standDown();
        }
        frontier = i;
    }

    private synchronized void onLost(PoolUpstream pool, String reason, boolean wasReady) {
        int i = pools.indexOf(pool);
        if (wasReady && i == active) {
            active = -1;
            current = null;
            templates.useCoinbaseMaker(null);
            templates.republish();
            allRetrying = i + 1 == pools.size();
            log.warn("miners switch from {} to solo work paying {}: {}{}", name(i), soloAddress, reason,
                    allRetrying ? (pools.size() == 1 ? "; it is retried" : "; every pool is retried") : "; trying " + name(i + 1));
        } else if (i != frontier) {
            return; // a pool above the one sought failed again; it keeps retrying
        }
        if (i + 1 < pools.size() && i + 1 > frontier) {
            if (!wasReady) {
                log.warn("{} not usable ({}); trying {}", name(i), reason, name(i + 1));
            }
            frontier = i + 1;
            pools.get(i + 1).want();
        } else if (!wasReady && !allRetrying) {
            allRetrying = true; // said once until a pool is mined again
            log.warn("{} not usable ({}); mining solo to {}, retrying {} (every {} s, backing off to 8x)", name(i),
                    reason, soloAddress, pools.size() == 1 ? "it" : "every pool", pool.config().retry().toSeconds());
        }
    }

    /** Told how long each forwarded share took to be answered by whichever pool took it (nanoseconds). */
    public void onShareAnswered(LongConsumer consumer) {
        pools.forEach(p -> p.onShareAnswered(consumer));
    }

    // Each pool forwards only shares and solves of jobs built with its own maker, so all of them see
    // every one: a share of the pool just left still goes to it.

    @Override
    public void accepted(Job job, ExtranoncePrefix extranonce1, byte[] extranonce2, int ntime, int nonce, int version, byte[] hashLe) {
        for (PoolUpstream p : pools) {
            p.accepted(job, extranonce1, extranonce2, ntime, nonce, version, hashLe);
        }
    }

    @Override
    public void solved(Job job, byte[] extranonce, byte[] header80) {
        for (PoolUpstream p : pools) {
            p.solved(job, extranonce, header80);
        }
    }

    @Override
    public void close() {
        pools.forEach(PoolUpstream::close);
    }
}
