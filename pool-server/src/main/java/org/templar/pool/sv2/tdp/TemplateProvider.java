package org.templar.pool.sv2.tdp;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.node.NodeGroup;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.SubmitSolution;
import org.templar.share.Hex;

/**
 * What every Template Distribution session shares: the node's current template, template ids and
 * the nodes solutions go to. Templar serves Template Distribution from any Bitcoin Core through the
 * same getblocktemplate/ZMQ/polling client the pool mines with, so other Stratum V2 software (a Job
 * Declaration client, a solo proxy) can take templates from a node that speaks only JSON-RPC.
 */
public final class TemplateProvider {
    private static final Logger log = LoggerFactory.getLogger(TemplateProvider.class);

    private final Supplier<BlockTemplate> current;
    private final NodeGroup nodes;
    /**
     * Strictly increasing across restarts too: it starts from the clock in milliseconds (the spec allows
     * the UNIX time as an id), so a client never sees an id it was given by an earlier run.
     */
    private final AtomicLong ids = new AtomicLong(System.currentTimeMillis());
    private final AtomicLong solutions = new AtomicLong();

    public TemplateProvider(Supplier<BlockTemplate> current, NodeGroup nodes) {
        this.current = Objects.requireNonNull(current, "current");
        this.nodes = Objects.requireNonNull(nodes, "nodes");
    }

    BlockTemplate current() {
        return current.get();
    }

    long nextTemplateId() {
        return ids.incrementAndGet();
    }

    /** Solutions that met the network target and went to the nodes. */
    public long solutionsSubmitted() {
        return solutions.get();
    }

    /**
     * Builds the block and sends it to every node (the spec: the provider MUST try to broadcast blocks
     * mined on its work). Runs off the event loop: the node answers asynchronously.
     *
     * @return false when the solution is not a block (a coinbase that is not a transaction, or a header
     *     above the target): a client only sends one for a block it found, so the session drops it
     */
    boolean submit(String connectionId, ProvidedTemplate template, SubmitSolution solution) {
        byte[] block;
        try {
            block = template.blockFor(solution);
        } catch (IllegalArgumentException e) {
            log.warn("{}: SubmitSolution for template {} refused: {}", connectionId,
                    Long.toUnsignedString(template.templateId()), e.getMessage());
            return false;
        }
        if (block == null) {
            log.warn("{}: SubmitSolution for template {} does not meet the network target; not submitted",
                    connectionId, Long.toUnsignedString(template.templateId()));
            return false;
        }
        solutions.incrementAndGet();
        int height = template.source().height();
        nodes.submitBlock(Hex.encode(block)).whenComplete((result, error) -> {
            if (error != null) {
                log.error("{}: block at height {} could not be submitted: {}", connectionId, height, error.toString());
            } else if (result.accepted()) {
                log.info("{}: block at height {} from a Template Distribution client accepted: {}", connectionId,
                        height, result.answers());
            } else {
                log.warn("{}: block at height {} from a Template Distribution client refused: {}", connectionId,
                        height, result.answers());
            }
        });
        return true;
    }
}
