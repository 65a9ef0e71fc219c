package org.templar.pool.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;

/**
 * Fuzz target: a node's getblocktemplate answer. A node that answers garbage (a broken proxy, a
 * wrong port, a buggy fork) must be refused with an {@link RpcException} that says which field is
 * wrong, never with a NumberFormatException from deep inside job building; and a template that is
 * accepted has the shapes a job needs (a 32-byte previous block hash, non-negative amounts).
 */
class BlockTemplateFuzzTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @FuzzTest(maxDuration = "10s")
    void anyAnswer(byte[] input) {
        JsonNode json;
        try {
            json = MAPPER.readTree(input);
        } catch (IOException notJson) {
            return; // RpcClient refuses a body that is not JSON before it gets here
        }
        if (json == null) {
            return;
        }
        BlockTemplate template;
        try {
            template = BlockTemplate.fromJson(json);
        } catch (RpcException expected) {
            return;
        }
        assertEquals(32, template.previousBlockHash().length);
        assertTrue(template.coinbaseValue() >= 0);
        assertTrue(template.height() >= 0);
        for (BlockTemplate.Tx tx : template.transactions()) {
            assertEquals(32, tx.txid().length);
            assertEquals(32, tx.wtxid().length);
            assertTrue(tx.fee() >= 0);
        }
    }
}
