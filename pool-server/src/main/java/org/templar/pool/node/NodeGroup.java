package org.templar.pool.node;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured nodes as one: templates come from the first healthy node in configuration order, a
 * solved block goes to every node at once (the first acceptance is what matters; the others spread it).
 */
public final class NodeGroup {
    private static final Logger log = LoggerFactory.getLogger(NodeGroup.class);

    private final List<NodeClient> nodes;
    private final AtomicReferenceArray<Boolean> healthy;

    public NodeGroup(List<NodeClient> nodes) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("at least one node must be configured");
        }
        this.nodes = List.copyOf(nodes);
        this.healthy = new AtomicReferenceArray<>(nodes.size());
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

    /** A template from the first node that answers, trying each in order. */
    public CompletableFuture<BlockTemplate> getBlockTemplate() {
        return tryFrom(0, null);
    }

    private CompletableFuture<BlockTemplate> tryFrom(int i, Throwable last) {
        if (i >= nodes.size()) {
            return CompletableFuture.failedFuture(last);
        }
        NodeClient node = nodes.get(i);
        return node.getBlockTemplate().handle((t, e) -> {
            if (e == null) {
                markHealth(i, true);
                return CompletableFuture.completedFuture(t);
            }
            if (isHealthy(i)) {
                log.warn("getblocktemplate from {} failed: {}", node.endpoint(), rootMessage(e));
            }
            markHealth(i, false);
            return tryFrom(i + 1, e);
        }).thenCompose(f -> f);
    }

    /** The best block hash from the first node that answers. */
    public CompletableFuture<String> getBestBlockHash() {
        return bestFrom(0, null);
    }

    private CompletableFuture<String> bestFrom(int i, Throwable last) {
        if (i >= nodes.size()) {
            return CompletableFuture.failedFuture(last);
        }
        return nodes.get(i).getBestBlockHash().handle((h, e) -> e == null
                ? CompletableFuture.completedFuture(h)
                : bestFrom(i + 1, e)).thenCompose(f -> f);
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
