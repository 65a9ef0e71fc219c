package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A side branch that overtakes the tip: Core's best-chain rule, observed through RPC. */
@Timeout(60)
class ReorgTest {

    /** A block on {@code parent} built directly on the chain (its own coinbase tag keeps it distinct). */
    private static RawBlock childOf(RegtestChain chain, BlockRecord parent, byte[] payout, long tag) {
        BlockTemplate t = chain.template();
        BlockTemplate onParent = new BlockTemplate(parent.hash(), parent.height() + 1, t.version(), t.bits(),
                Math.max(parent.medianTimePast() + 1, t.curTime()), parent.medianTimePast() + 1,
                RegtestConsensus.subsidy(parent.height() + 1), List.of(), BlockRules.witnessCommitmentScript(List.of(
                        RegtestChain.assemble(t, payout, tag).transactions().get(0))), "");
        return RegtestChain.solve(RegtestChain.assemble(onParent, payout, tag));
    }

    @Test
    void longerSideBranchBecomesTheChainAndMempoolIsRestored() {
        RegtestWallet wallet = RegtestWallet.random();
        RegtestWallet other = RegtestWallet.random();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(0, -1))) {
            Rpc rpc = new Rpc(node);
            RegtestChain chain = node.chain();
            node.generateToAddress(101, wallet.address());
            BlockRecord forkPoint = chain.tip();
            String txid = rpc.call("sendrawtransaction",
                    wallet.payFromMatureCoinbase(chain, other.address(), RegtestConsensus.COIN, 2_000)).asText();
            // branch A: one block confirming the transaction
            String a1 = rpc.call("generatetoaddress", 1, wallet.address()).get(0).asText();
            assertEquals(1, rpc.call("getrawtransaction", txid, true).get("confirmations").asInt());

            // branch B from the fork point: first block ties (stays a side branch), second overtakes
            RawBlock b1 = childOf(chain, forkPoint, other.scriptPubKey(), 1_000);
            assertEquals("inconclusive", rpc.call("submitblock", TemplateBlocks.hex(b1)).asText());
            assertEquals(a1, rpc.call("getbestblockhash").asText());
            RawBlock b2 = childOf(chain, chain.block(b1.hash()).orElseThrow(), other.scriptPubKey(), 1_001);
            assertTrue(rpc.call("submitblock", TemplateBlocks.hex(b2)).isNull());

            assertEquals(b2.hash().toString(), rpc.call("getbestblockhash").asText());
            assertEquals(103, rpc.call("getblockcount").asInt());
            assertEquals(b1.hash().toString(), rpc.call("getblockhash", 102).asText());
            assertEquals(-1, rpc.call("getblockheader", a1).get("confirmations").asInt());
            // the transaction confirmed only on the losing branch is back in the mempool
            JsonNode pool = rpc.call("getrawmempool");
            assertEquals(1, pool.size());
            assertEquals(txid, pool.get(0).asText());
            // and the template on the new tip offers it again
            JsonNode gbt = rpc.call("getblocktemplate", Map.of("rules", List.of("segwit")));
            assertEquals(b2.hash().toString(), gbt.get("previousblockhash").asText());
            assertEquals(txid, gbt.get("transactions").get(0).get("txid").asText());
            // the old branch's block is known: resubmitting it is "duplicate" and changes nothing
            assertEquals("duplicate", rpc.call("submitblock", rpc.call("getblock", a1, 0).asText()).asText());
            assertEquals(b2.hash().toString(), rpc.call("getbestblockhash").asText());
        }
    }

    @Test
    void invalidLongerBranchLeavesTheChainAlone() {
        RegtestWallet wallet = RegtestWallet.random();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(0, -1))) {
            Rpc rpc = new Rpc(node);
            RegtestChain chain = node.chain();
            node.generateToAddress(3, wallet.address());
            BlockRecord forkPoint = chain.blockAt(2).orElseThrow();
            String tip = rpc.call("getbestblockhash").asText();
            RawBlock b1 = childOf(chain, forkPoint, wallet.scriptPubKey(), 2_000);
            assertEquals("inconclusive", rpc.call("submitblock", TemplateBlocks.hex(b1)).asText());
            // b2 overpays its coinbase: connecting it fails, the original chain stays
            BlockRecord b1rec = chain.block(b1.hash()).orElseThrow();
            BlockTemplate t = chain.template();
            BlockTemplate greedy = new BlockTemplate(b1rec.hash(), 4, t.version(), t.bits(), t.curTime(),
                    b1rec.medianTimePast() + 1, RegtestConsensus.subsidy(4) + 1, List.of(), t.witnessCommitmentScript(), "");
            RawBlock b2 = RegtestChain.solve(RegtestChain.assemble(greedy, wallet.scriptPubKey(), 7));
            assertEquals("bad-cb-amount", rpc.call("submitblock", TemplateBlocks.hex(b2)).asText());
            assertEquals(tip, rpc.call("getbestblockhash").asText());
            assertEquals(3, rpc.call("getblockcount").asInt());
            // the chain still grows normally
            node.generateToAddress(1, wallet.address());
            assertEquals(4, rpc.call("getblockcount").asInt());
        }
    }
}
