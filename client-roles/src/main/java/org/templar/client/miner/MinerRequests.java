package org.templar.client.miner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import org.templar.pool.sv1.codec.Sv1Methods;
import org.templar.pool.sv1.codec.Sv1Request;
import org.templar.share.Hex;

/** Builds the miner's requests (the client side of {@link Sv1Methods}); stateless. */
final class MinerRequests {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private MinerRequests() {}

    static Sv1Request configureVersionRolling(long id, int mask) {
        ArrayNode extensions = NODES.arrayNode().add("version-rolling");
        ObjectNode params = NODES.objectNode();
        params.put("version-rolling.mask", Sv1Methods.hex32(mask));
        // Advisory only (BIP310): we can use any number of bits the pool grants.
        params.put("version-rolling.min-bit-count", 2);
        return new Sv1Request(NODES.numberNode(id), Sv1Methods.CONFIGURE, List.of(extensions, params));
    }

    /** mining.subscribe; a previous session id asks the pool to give us back the same extranonce1. */
    static Sv1Request subscribe(long id, String userAgent, Optional<String> resumeSessionId) {
        List<JsonNode> params = resumeSessionId
                .<List<JsonNode>>map(s -> List.of(NODES.textNode(userAgent), NODES.textNode(s)))
                .orElse(List.of(NODES.textNode(userAgent)));
        return new Sv1Request(NODES.numberNode(id), Sv1Methods.SUBSCRIBE, params);
    }

    static Sv1Request suggestDifficulty(long id, double difficulty) {
        return new Sv1Request(NODES.numberNode(id), Sv1Methods.SUGGEST_DIFFICULTY,
                List.of(Sv1Methods.difficultyNode(difficulty)));
    }

    static Sv1Request authorize(long id, String user, String password) {
        return new Sv1Request(NODES.numberNode(id), Sv1Methods.AUTHORIZE,
                List.of(NODES.textNode(user), NODES.textNode(password)));
    }

    static Sv1Request extranonceSubscribe(long id) {
        return new Sv1Request(NODES.numberNode(id), Sv1Methods.EXTRANONCE_SUBSCRIBE, List.of());
    }

    /** mining.submit; the 6th parameter (rolled version bits) only when version rolling was negotiated. */
    static Sv1Request submit(long id, String user, FoundShare share, Optional<Integer> versionBits) {
        List<JsonNode> params = new java.util.ArrayList<>(List.of(NODES.textNode(user),
                NODES.textNode(share.job().jobId()), NODES.textNode(Hex.encode(share.extranonce2())),
                NODES.textNode(Sv1Methods.hex32(share.ntime())), NODES.textNode(Sv1Methods.hex32(share.nonce()))));
        versionBits.ifPresent(bits -> params.add(NODES.textNode(Sv1Methods.hex32(bits))));
        return new Sv1Request(NODES.numberNode(id), Sv1Methods.SUBMIT, params);
    }
}
