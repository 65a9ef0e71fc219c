package org.templar.pool.core;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockStatus;
import org.templar.payout.BlockLedger;
import org.templar.payout.scheme.Tides;
import org.templar.pool.job.Job;
import org.templar.pool.node.NodeGroup;
import org.templar.share.Hex;

/**
 * Turns a solved share into a block on the network, off the event loop: record the candidate durably,
 * submit it to every node at once, record the nodes' verdict, and ask for a new template.
 *
 * <p>The work is bounded, because on an easy network (regtest: about every second hash) one client
 * sending arbitrary shares sends hundreds of solutions a second, and each costs ledger commits. All
 * ledger writes of this class run on one thread (so blocks hold at most one of the ledger's pooled
 * connections, and the share writer and queries keep theirs), and never while a node is awaited:
 * node calls run on a pool of their own. Per previous block, one solution at a time is written and
 * submitted; up to {@link #MAX_WAITING} siblings (other solutions on the same parent) wait for its
 * verdict in memory, unwritten and unsubmitted, and go next whatever it was: a sibling held off the
 * chain (STALE) can still win the height in a reorganisation, so it is recorded and settled like any
 * block (issue 10). At most {@link #MAX_PER_PARENT} solutions on one parent are ever written; later
 * ones are dropped ("superseded" once a block of ours on it is on the node's active chain: they
 * could only compete with our own block). Past the bounds solutions are dropped too; every drop is
 * counted ({@link PoolMetrics#blockSolutionsDropped}) and summarised in one INFO line at most every
 * {@link #DROP_LOG_INTERVAL_NANOS} ns. A solution is always written before it is submitted.
 */
public final class BlockSubmitter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlockSubmitter.class);

    /** Previous blocks with a solution in flight at once; past it a solution on yet another parent is dropped. */
    static final int MAX_PARENTS = 16;
    /** Solutions held in memory behind the one in flight on the same parent. */
    static final int MAX_WAITING = 4;
    /** Solutions on one previous block written and submitted at most, one after another. */
    static final int MAX_PER_PARENT = 1 + MAX_WAITING;
    /** Parents remembered (as won by one of our blocks, and with how many solutions they took). */
    private static final int WON_REMEMBERED = 64;
    private static final long DROP_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final NodeGroup nodes;
    private final BlockLedger ledger;
    private final Runnable onBlockAccepted;
    private final PoolMetrics metrics;
    // every ledger write of a block, one at a time: one pooled connection at most
    private final ExecutorService ledgerStage = Executors.newSingleThreadExecutor(r -> daemon(r, "block-ledger"));
    // node calls, one thread per block in flight: a block waiting for an unreachable node must not hold up
    // the next; as many threads as parents in flight, resubmissions at start queue behind them
    private final ThreadPoolExecutor nodeStage = new ThreadPoolExecutor(MAX_PARENTS, MAX_PARENTS, 60, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> daemon(r, "block-submitter"));

    // guarded by itself; touched by event loops (briefly) and the two stages
    private final Map<String, Parent> inFlight = new HashMap<>();
    private final Set<String> won = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > WON_REMEMBERED;
        }
    });
    private final Map<String, Integer> takenPerParent = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > WON_REMEMBERED;
        }
    };
    private final Map<String, Long> droppedSinceLine = new TreeMap<>();
    private long lastDropLine = System.nanoTime() - DROP_LOG_INTERVAL_NANOS;

    /** The solutions on one previous block: the one being written or submitted, and its waiting siblings. */
    private static final class Parent {
        final ArrayDeque<Solve> waiting = new ArrayDeque<>();
    }

    /**
     * @param nodes the nodes to submit blocks to, or null when blocks go elsewhere (the proxy's template
     *     provider, through its SubmitSolution): then a solve is only recorded as a candidate
     */
    public BlockSubmitter(NodeGroup nodes, BlockLedger ledger, PoolMetrics metrics, Runnable onBlockAccepted) {
        this.nodes = nodes;
        this.ledger = ledger;
        this.metrics = metrics;
        this.onBlockAccepted = onBlockAccepted;
        nodeStage.allowCoreThreadTimeOut(true);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Everything about a solve, captured on the event loop (copies: the hasher's buffers are reused). */
    public record Solve(Job job, Worker worker, byte[] extranonce, byte[] header, byte[] hash) {
        /** The previous block's hash as the header holds it (internal byte order, hex): the key of its siblings. */
        String parent() {
            return Hex.encode(java.util.Arrays.copyOfRange(header, 4, 36));
        }
    }

    /** Takes a solve from an event loop; never blocks beyond a map lookup. */
    public void submit(Solve solve) {
        String parent = solve.parent();
        String dropped;
        synchronized (inFlight) {
            Parent p = inFlight.get(parent);
            if (takenPerParent.getOrDefault(parent, 0) >= MAX_PER_PARENT) {
                dropped = won.contains(parent) ? "superseded" : "sibling_backlog";
            } else if (p != null) {
                if (p.waiting.size() < MAX_WAITING) {
                    p.waiting.add(solve);
                    takenPerParent.merge(parent, 1, Integer::sum);
                    return;
                }
                dropped = "sibling_backlog";
            } else if (inFlight.size() >= MAX_PARENTS) {
                dropped = "busy";
            } else {
                inFlight.put(parent, new Parent());
                takenPerParent.merge(parent, 1, Integer::sum);
                dropped = null;
            }
        }
        if (dropped != null) {
            dropped(dropped, 1);
            return;
        }
        ledgerStage.execute(() -> run(solve));
    }

    /**
     * Counts solutions dropped for {@code reason} and, at most once per interval, logs what was dropped
     * since the last such line.
     */
    private void dropped(String reason, int count) {
        metrics.blockSolutionsDropped(reason, count);
        logDropped(reason, count, false);
    }

    /** Adds to the drops not yet logged, and logs them all if the interval has passed (or {@code now}). */
    private void logDropped(String reason, int count, boolean now) {
        String line = null;
        synchronized (droppedSinceLine) {
            if (count > 0) {
                droppedSinceLine.merge(reason, (long) count, Long::sum);
            }
            long at = System.nanoTime();
            if (!droppedSinceLine.isEmpty() && (now || at - lastDropLine >= DROP_LOG_INTERVAL_NANOS)) {
                line = droppedSinceLine.toString();
                droppedSinceLine.clear();
                lastDropLine = at;
            }
        }
        if (line != null) {
            log.info("block solutions dropped without a ledger write or submission, by reason {}: superseded = five taken and a block"
                    + " of ours on the same parent is on the node's active chain; sibling_backlog/busy = past the"
                    + " bounds on solutions in flight (templar_block_solutions_dropped_total)", line);
        }
    }

    /**
     * The solution on {@code parent} in flight is settled with {@code status} (null: no verdict to wait
     * for): an ACCEPTED one wins the parent; either way the next waiting sibling goes.
     */
    private void settled(String parent, BlockStatus status) {
        Solve next = null;
        synchronized (inFlight) {
            if (status == BlockStatus.ACCEPTED) {
                won.add(parent);
            }
            Parent p = inFlight.get(parent);
            if (p != null) {
                next = p.waiting.poll();
                if (next == null) {
                    inFlight.remove(parent);
                }
            }
        }
        if (next != null) {
            Solve go = next;
            ledgerStage.execute(() -> run(go));
        }
    }

    /** On the ledger stage: writes the candidate, then hands the submission to the node stage. */
    private void run(Solve s) {
        String parent = s.parent();
        try {
            if (!write(s)) {
                settled(parent, null);
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the pool is stopping: a solution written is submitted at the next start (resubmitUnsettled)
            log.warn("block solution {}: the pool stops before it could be submitted", Hex.encode(Hex.reverse(s.hash())));
        } catch (RuntimeException e) {
            log.error("block solution {} could not be handled", Hex.encode(Hex.reverse(s.hash())), e);
            settled(parent, null);
        }
    }

    /** @return whether the solution went on to the nodes (false: nothing more to wait for) */
    private boolean write(Solve s) {
        String hashHex = Hex.encode(Hex.reverse(s.hash()));
        int height = s.job().height();
        log.info("BLOCK CANDIDATE at height {}: {} by {}", height, hashHex, s.worker().username());
        if (!s.job().poolHasTransactions()) {
            // Coinbase-only declared job: the pool never saw the transactions, so it cannot build the
            // block; the miner's own node propagates it (spec 6.3.1). Record it so the operator sees it.
            log.info("block {} is on a Coinbase-only declared job: the miner's node propagates it", hashHex);
            try {
                ledger.recordBlockCandidate(BlockRecord.candidate(height, hashHex, s.worker().username(),
                        s.job().coinbaseValue(), s.job().payout().describe(), Instant.now()));
            } catch (RuntimeException e) {
                log.error("block {} could not be recorded in the ledger", hashHex, e);
            }
            return false;
        }
        String blockHex = Hex.encode(s.job().assembleBlock(s.extranonce(), s.header()));
        try {
            // The whole block goes in with the candidate (one commit): if the pool dies before a node
            // answers, the next start finds it and submits it then (resubmitUnsettled).
            ledger.recordBlockCandidate(BlockRecord.candidate(height, hashHex, s.worker().username(),
                    s.job().coinbaseValue(), s.job().payout().describe(), Instant.now()), nodes == null ? null : blockHex);
            if (s.job().payout() instanceof Tides.JobPayout plan) {
                creditCoinbase(hashHex, plan);
            }
        } catch (RuntimeException e) {
            // Never sit on a solved block: submit anyway, and say loudly that the ledger missed it.
            log.error("block {} could not be recorded in the ledger; submitting it anyway. Block hex: {}", hashHex,
                    blockHex, e);
        }
        if (nodes == null) {
            log.info("block {} at height {} goes to the template provider (no node of our own to submit it to)",
                    hashHex, height);
            return false;
        }
        String parent = s.parent();
        nodeStage.execute(() -> submitAndRecord(height, hashHex, blockHex, parent));
        return true;
    }

    /**
     * At start: submits again every block the ledger holds as solved but never answered (the pool stopped
     * or was killed between writing the solution and recording a node's verdict), and records the
     * verdict as for a fresh solve. A block whose parent is no longer the tip comes back STALE or
     * REJECTED, which is then its true fate; one the nodes took meanwhile (another pool instance, a
     * restart of ours after submitting) is found on the chain and recorded ACCEPTED. Asynchronous.
     *
     * @return how many solutions are being submitted again
     */
    public int resubmitUnsettled() {
        if (nodes == null) {
            return 0;
        }
        java.util.List<BlockLedger.UnsettledSolution> open = ledger.unsettledSolutions();
        for (BlockLedger.UnsettledSolution u : open) {
            log.warn("block {} at height {} was solved before the pool stopped and no node's answer was recorded:"
                    + " submitting it again", u.block().hash(), u.block().height());
            // the header's previous-block field, as Solve.parent() reads it
            String parent = u.blockHex().substring(8, 72).toLowerCase(java.util.Locale.ROOT);
            nodeStage.execute(() -> submitAndRecord((int) u.block().height(), u.block().hash(), u.blockHex(), parent));
        }
        return open.size();
    }

    /** On the node stage: submits, asks where the block stands, and hands the verdict to the ledger stage. */
    private void submitAndRecord(int height, String hashHex, String blockHex, String parent) {
        NodeGroup.SubmitResult result = null;
        // A solved block stays valid while its parent is the tip: if no node is reachable, keep trying
        // for a while (a node restart) rather than throw the block away.
        for (int attempt = 0; attempt < RETRIES; attempt++) {
            try {
                result = nodes.submitBlock(blockHex).get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                result = new NodeGroup.SubmitResult(false, java.util.List.of("submission: error " + e));
            }
            if (!result.unanswered()) {
                break;
            }
            log.warn("no node reachable to take block {} (attempt {}): {}", hashHex, attempt + 1, result.answers());
            sleep(Math.min(5000, 250L << attempt));
        }
        if (result.unanswered()) {
            log.error("block {} could not be submitted to any node; block hex: {}", hashHex, blockHex);
        }
        NodeGroup.ChainPosition position;
        try {
            position = nodes.chainPosition(hashHex).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            position = NodeGroup.ChainPosition.UNREACHABLE;
        }
        Verdict v = verdict(result.answers(), position);
        switch (v.status()) {
            case ACCEPTED -> log.info("block {} at height {} ACCEPTED: on the node's active chain ({})", hashHex, height,
                    result.answers());
            case STALE -> log.warn("block {} at height {} is STALE: the node holds it off its active chain ({})", hashHex,
                    height, result.answers());
            case SUBMITTED -> log.warn("block {} at height {}: the node has it but its place in the chain is unknown ({})",
                    hashHex, height, result.answers());
            default -> log.error("block {} at height {} REJECTED: {}", hashHex, height, result.answers());
        }
        if (v.status() == BlockStatus.ACCEPTED) {
            synchronized (inFlight) {
                won.add(parent); // solutions on this parent past MAX_PER_PARENT are "superseded"
            }
        }
        ledgerStage.execute(() -> {
            try {
                record(height, hashHex, v.status(), v.reason());
                if (v.status() == BlockStatus.ACCEPTED) {
                    onBlockAccepted.run();
                }
            } finally {
                settled(parent, v.status());
            }
        });
    }

    /**
     * Records what a TIDES block's coinbase pays, HELD, before the block goes to any node. A plan on
     * top of this block counts it from then on (the ledger's carries on the plan's own chain), and a
     * template on top of it can only be fetched once a node has the block, so this one commit
     * (milliseconds) is what keeps the next coinbase from paying a carried amount this one already
     * paid. The block tracker applies it when the block is in the best chain, and gives it up if every
     * node refuses it or its branch loses.
     */
    private void creditCoinbase(String hashHex, Tides.JobPayout plan) {
        try {
            ledger.creditCoinbase(hashHex, plan);
        } catch (RuntimeException e) {
            log.error("block {}: its TIDES plan could not be recorded; the operator must settle it by hand ({}): {}",
                    hashHex, plan.plan(), e.toString());
        }
    }

    /** A block's status and the reason recorded with it. */
    record Verdict(BlockStatus status, String reason) {}

    /**
     * The status of a submitted block. Where the block stands in the nodes' chains decides, because
     * the submit answer alone cannot: "duplicate" means only that the node already held the block,
     * which may be on a side branch (Core answers it for any known block it has data for), and even a
     * null (connected as the tip) may have been reorganised away by the time we look. So: on an
     * active chain is ACCEPTED; held off every active chain is STALE (valid or not yet validated as far
     * as the answers say; it can still win if its branch grows) unless a node refused it outright;
     * unknown to every node is REJECTED with the nodes' reasons. Only when no node says where it
     * stands does the answer decide: a null is taken at its word (connected as the tip), and a
     * "duplicate" stays SUBMITTED, since that answer proves nothing about the chain.
     */
    static Verdict verdict(java.util.List<String> answers, NodeGroup.ChainPosition position) {
        String all = String.join("; ", answers);
        boolean connected = answers.contains("accepted");
        boolean held = answers.stream().anyMatch(a -> a.equals("accepted") || a.equals("duplicate")
                || a.equals("inconclusive") || a.equals("duplicate-inconclusive"));
        switch (position) {
            case ACTIVE:
                return new Verdict(BlockStatus.ACCEPTED, null);
            case OFF_ACTIVE:
                if (held || connected) {
                    return new Verdict(BlockStatus.STALE, "not on the active chain (confirmations -1): " + all);
                }
                return new Verdict(BlockStatus.REJECTED, all);
            case UNKNOWN:
                return new Verdict(BlockStatus.REJECTED, all);
            default:
                if (connected) {
                    return new Verdict(BlockStatus.ACCEPTED, null);
                }
                if (held) {
                    return new Verdict(BlockStatus.SUBMITTED, "node holds it; chain position unknown: " + all);
                }
                return new Verdict(BlockStatus.REJECTED, all);
        }
    }

    private static final int RETRIES = 12; // about 40 s in all

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Records the verdict in the ledger and counts it in the metrics under the status the ledger holds,
     * so the metric and `templar blocks` agree: a verdict the ledger refuses as a move backwards (the
     * block already stands as ACCEPTED) is not counted a second time. When the ledger itself fails, the
     * nodes' verdict is still counted: it is what happened.
     */
    private void record(int height, String hash, BlockStatus status, String reason) {
        try {
            BlockRecord recorded = ledger.updateBlockStatus(hash, status, reason);
            if (recorded.status() != BlockStatus.SUBMITTED) {
                // a block whose place in the chain no node could tell is not counted until one can
                metrics.blockFound(height, recorded.status());
            }
            metrics.blockRecorded(recorded);
        } catch (IllegalStateException e) {
            log.warn("block {}: {}; keeping the recorded status", hash, e.getMessage());
        } catch (RuntimeException e) {
            log.error("could not record status {} of block {}: {}", status, hash, e.toString());
            metrics.blockFound(height, status);
        }
    }

    @Override
    public void close() {
        // node calls first: their verdicts still go to the ledger stage, which closes after them
        nodeStage.shutdown();
        try {
            nodeStage.awaitTermination(10, TimeUnit.SECONDS);
            ledgerStage.shutdown();
            ledgerStage.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        logDropped(null, 0, true); // what the last interval dropped, said once more before the pool stops
    }
}
