package org.templar.pool.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured nodes as one: templates and the tip come from the first healthy node in configuration
 * order, a solved block goes to every node at once (the first acceptance is what matters; the others
 * spread it).
 *
 * <p>A node is never waited on for long while another could answer. A request that has no answer
 * within the failover deadline goes to the next node as well, and the first answer wins; a node that
 * failed, or answered only after the deadline, is demoted: later requests start with the healthy nodes
 * and reach a demoted one only when all of those fail. A demoted node is probed in the background (at
 * most once per probe interval) and takes its place again once it answers within the deadline. So a
 * node that is gone, hangs, is slow, or answers garbage costs at most one deadline once, not one per
 * template.
 */
public final class NodeGroup {
    private static final Logger log = LoggerFactory.getLogger(NodeGroup.class);
    /** Default failover deadline: work must keep flowing within a second of losing a node. */
    public static final Duration DEFAULT_FAILOVER = Duration.ofSeconds(1);
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(5);

    private final List<NodeClient> nodes;
    private final AtomicReferenceArray<Boolean> healthy;
    private final AtomicLongArray lastProbe;
    private final Duration failover;
    private final Duration probeInterval;

    public NodeGroup(List<NodeClient> nodes) {
        this(nodes, DEFAULT_FAILOVER);
    }

    /** @param failover how long a node may take to answer before the next one is asked too */
    public NodeGroup(List<NodeClient> nodes, Duration failover) {
        this(nodes, failover, PROBE_INTERVAL);
    }

    /** @param probeInterval how often a demoted node is asked whether it is quick again */
    public NodeGroup(List<NodeClient> nodes, Duration failover, Duration probeInterval) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("at least one node must be configured");
        }
        if (failover.isNegative() || failover.isZero()) {
            throw new IllegalArgumentException("failover deadline must be positive, got " + failover);
        }
        this.nodes = List.copyOf(nodes);
        this.failover = failover;
        this.probeInterval = probeInterval;
        this.healthy = new AtomicReferenceArray<>(nodes.size());
        this.lastProbe = new AtomicLongArray(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            healthy.set(i, Boolean.TRUE);
        }
    }

    public List<NodeClient> nodes() {
        return nodes;
    }

    public NodeClient primary() {
        return nodes.get(0);
    }

    /** A template from the first node that answers: healthy nodes first, in order (see the class comment). */
    public CompletableFuture<BlockTemplate> getBlockTemplate() {
        probeDemoted();
        return firstAnswer(NodeClient::getBlockTemplate, "getblocktemplate");
    }

    /** The best block hash from the first node that answers, in the same order as templates. */
    public CompletableFuture<String> getBestBlockHash() {
        return firstAnswer(NodeClient::getBestBlockHash, "getbestblockhash");
    }

    /** Healthy nodes in configuration order, then demoted ones (last resort), also in order. */
    public List<Integer> order() {
        List<Integer> order = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            if (isHealthy(i)) {
                order.add(i);
            }
        }
        for (int i = 0; i < nodes.size(); i++) {
            if (!isHealthy(i)) {
                order.add(i);
            }
        }
        return order;
    }

    /**
     * Asks the nodes in {@link #order()}: the next one when the previous failed or has not answered
     * within the failover deadline; completes with the first answer, or fails with the last error once
     * every node failed.
     */
    private <T> CompletableFuture<T> firstAnswer(Function<NodeClient, CompletableFuture<T>> call, String what) {
        List<Integer> order = order();
        CompletableFuture<T> result = new CompletableFuture<>();
        AtomicInteger started = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            int k = started.getAndIncrement();
            if (k >= order.size() || result.isDone()) {
                return;
            }
            int i = order.get(k);
            NodeClient node = nodes.get(i);
            long begun = System.nanoTime();
            if (k + 1 < order.size()) {
                CompletableFuture.delayedExecutor(failover.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
                    if (!result.isDone() && started.get() == k + 1) {
                        if (isHealthy(i)) {
                            log.warn("{} from {}: no answer within {} ms; asking {} too", what, node.endpoint(),
                                    failover.toMillis(), nodes.get(order.get(k + 1)).endpoint());
                        }
                        markHealth(i, false);
                        next[0].run();
                    }
                });
            }
            CompletableFuture<T> answer;
            try {
                answer = call.apply(node);
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            answer.whenComplete((t, e) -> {
                if (e == null) {
                    // a late answer is still used, but the node stays demoted until it is quick again
                    if (System.nanoTime() - begun <= failover.toNanos()) {
                        markHealth(i, true);
                    }
                    result.complete(t);
                    return;
                }
                if (isHealthy(i)) {
                    log.warn("{} from {} failed: {}", what, node.endpoint(), rootMessage(e));
                }
                markHealth(i, false);
                if (failed.incrementAndGet() == order.size()) {
                    result.completeExceptionally(e);
                } else if (started.get() == k + 1) {
                    next[0].run(); // at once: no reason to wait for the deadline
                }
            });
        };
        next[0].run();
        return result;
    }

    /** Background getblocktemplate to each demoted node whose probe is due; an answer in time restores it. */
    private void probeDemoted() {
        if (nodes.size() == 1) {
            return; // the only node is always asked anyway
        }
        long now = System.nanoTime();
        for (int i = 0; i < nodes.size(); i++) {
            long last = lastProbe.get(i);
            if (isHealthy(i) || now - last < probeInterval.toNanos() || !lastProbe.compareAndSet(i, last, now)) {
                continue;
            }
            int node = i;
            nodes.get(i).getBlockTemplate().whenComplete((t, e) -> {
                if (e == null && System.nanoTime() - now <= failover.toNanos()) {
                    markHealth(node, true);
                }
            });
        }
    }

    /** Outcome of submitting one block to every node. */
    public record SubmitResult(boolean accepted, List<String> answers) {
        /** True when no node gave a verdict at all (all unreachable): worth trying again. */
        public boolean unanswered() {
            return answers.stream().allMatch(a -> a.contains(": error "));
        }
    }

    /**
     * Submits to all nodes in parallel. {@code accepted} when at least one node returned null: the
     * block was connected as its new tip. "duplicate" is NOT acceptance: it only says the node already
     * had the block, which may sit on a side branch; ask {@link #chainPosition} where it stands. Never
     * fails: per-node errors become answers.
     */
    public CompletableFuture<SubmitResult> submitBlock(String blockHex) {
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (NodeClient node : nodes) {
            answers.add(node.submitBlock(blockHex).handle((r, e) -> {
                if (e != null) {
                    return node.endpoint().rpcUri() + ": error " + rootMessage(e);
                }
                return r == null ? "accepted" : r;
            }));
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> list = answers.stream().map(CompletableFuture::join).toList();
            boolean ok = list.stream().anyMatch(a -> a.equals("accepted"));
            return new SubmitResult(ok, list);
        });
    }

    /** Where a block stands, as the nodes see it. */
    public enum ChainPosition {
        /** On the active chain of at least one node (confirmations >= 0). */
        ACTIVE,
        /** Held by at least one node, on none's active chain (confirmations -1 everywhere it is known). */
        OFF_ACTIVE,
        /** No node that answered knows the block. */
        UNKNOWN,
        /** No node answered. */
        UNREACHABLE
    }

    /**
     * Asks every node where block {@code hashDisplay} stands. One node having it on its active chain
     * is enough (the others may not have caught up); a block every node holds only off its active
     * chain is stale there. Never fails.
     */
    public CompletableFuture<ChainPosition> chainPosition(String hashDisplay) {
        List<CompletableFuture<ChainPosition>> each = new ArrayList<>();
        for (NodeClient node : nodes) {
            each.add(node.confirmations(hashDisplay).handle((c, e) -> e != null ? ChainPosition.UNREACHABLE
                    : c.isEmpty() ? ChainPosition.UNKNOWN
                    : c.getAsInt() >= 0 ? ChainPosition.ACTIVE : ChainPosition.OFF_ACTIVE));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<ChainPosition> all = each.stream().map(CompletableFuture::join).toList();
            for (ChainPosition p : ChainPosition.values()) { // in order of precedence
                if (all.contains(p)) {
                    return p;
                }
            }
            return ChainPosition.UNREACHABLE;
        });
    }

    private void markHealth(int i, boolean ok) {
        if (!ok && isHealthy(i)) {
            lastProbe.set(i, System.nanoTime()); // the first probe one interval after the demotion
        }
        Boolean was = healthy.getAndSet(i, ok);
        if (was != null && was != ok) {
            if (ok) {
                log.info("node {} is answering again", nodes.get(i).endpoint());
            } else {
                log.warn("node {} is not answering; using the next configured node", nodes.get(i).endpoint());
            }
        }
    }

    public boolean isHealthy(int i) {
        return Boolean.TRUE.equals(healthy.get(i));
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
