package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** generateblock: a block with exactly the given transactions, as Core's regtest RPC builds it. */
@Timeout(60)
class GenerateBlockTest {

    @Test
    void minesTheGivenTransactionsOnly() {
        RegtestWallet wallet = RegtestWallet.random();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(0, -1))) {
            Rpc rpc = new Rpc(node);
            node.generateToAddress(102, wallet.address());
            String inPool = rpc.call("sendrawtransaction",
                    wallet.payFromMatureCoinbase(node.chain(), wallet.address(), RegtestConsensus.COIN, 1_000)).asText();
            String raw = wallet.payFromMatureCoinbase(node.chain(), wallet.address(), RegtestConsensus.COIN, 1_000);

            // not submitted: the tip does not move and the hex decodes to a block with both transactions
            JsonNode dry = rpc.call("generateblock", wallet.address(), List.of(inPool, raw), false);
            assertTrue(dry.has("hex"));
            assertEquals(102, rpc.call("getblockcount").asInt());
            RawBlock block = RawBlock.parse(Hex.decode(dry.get("hex").asText()));
            assertEquals(dry.get("hash").asText(), block.hash().toString());
            assertEquals(3, block.transactions().size());

            JsonNode made = rpc.call("generateblock", wallet.address(), List.of(raw));
            assertEquals(103, rpc.call("getblockcount").asInt());
            JsonNode b = rpc.call("getblock", made.get("hash").asText(), 2);
            assertEquals(2, b.get("tx").size());
            // Core's generateblock pays the subsidy only, not the fees of the given transactions
            assertEquals(RegtestConsensus.subsidy(103),
                    b.get("tx").get(0).get("vout").get(0).get("value").decimalValue().movePointRight(8).longValueExact());
            // the mempool transaction was not included and is still waiting
            assertEquals(inPool, rpc.call("getrawmempool").get(0).asText());

            Rpc.Error unknown = assertThrows(Rpc.Error.class,
                    () -> rpc.call("generateblock", wallet.address(), List.of("ab".repeat(32))));
            assertEquals(-5, unknown.code);
            Rpc.Error again = assertThrows(Rpc.Error.class, () -> rpc.call("generateblock", wallet.address(), List.of(raw)));
            assertEquals(-25, again.code);
            assertEquals("TestBlockValidity failed: bad-txns-inputs-missingorspent", again.text());
            Rpc.Error badOut = assertThrows(Rpc.Error.class, () -> rpc.call("generateblock", "nope", List.of()));
            assertEquals(-5, badOut.code);
        }
    }
}
