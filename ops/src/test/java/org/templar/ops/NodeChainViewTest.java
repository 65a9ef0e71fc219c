package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bitcoinj.base.Sha256Hash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.pool.node.NodeClient;
import org.templar.pool.node.NodeEndpoint;
import org.templar.regtest.RegtestNode;

/** The tracker's chain view against the embedded node over real JSON-RPC. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeChainViewTest {
    @Test
    void confirmationsComeFromGetblockheaderAndAnUnknownBlockIsEmpty() {
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            List<Sha256Hash> mined = node.generateToAddress(3, SoloAndPoolMiningTest.newAddress());
            NodeChainView view = new NodeChainView(new NodeClient(new NodeEndpoint(node.rpcUri(), node.rpcUser(),
                    node.rpcPassword(), Optional.empty()), Duration.ofSeconds(5)), Duration.ofSeconds(5), 150);
            assertEquals(3, view.tipHeight());
            assertEquals(3, view.header(mined.get(0).toString()).orElseThrow().confirmations());
            assertEquals(1, view.header(mined.get(2).toString()).orElseThrow().confirmations());
            assertTrue(view.header(mined.get(2).toString()).orElseThrow().difficulty() > 0);
            assertEquals(Optional.empty(), view.header("00".repeat(32)));
            assertTrue(view.networkDifficulty() > 0);
            assertEquals(5_000_000_000L, view.subsidy(149));
            assertEquals(2_500_000_000L, view.subsidy(150), "regtest halves every 150 blocks");
        }
    }
}
