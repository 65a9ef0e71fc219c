package org.templar.pool.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.templar.share.Hex;

/**
 * A getblocktemplate answer (BIP22/23, with segwit), reduced to what building jobs and blocks needs.
 * Hashes are kept in internal byte order; the node sends them in display order.
 */
public record BlockTemplate(
        int version,
        byte[] previousBlockHash,
        List<Tx> transactions,
        long coinbaseValue,
        int bits,
        int height,
        long curTime,
        long minTime,
        Optional<byte[]> defaultWitnessCommitment,
        String longPollId) {

    /** One template transaction: its full serialization (with witness) and txid, fee in satoshis. */
    public record Tx(byte[] data, byte[] txid, byte[] wtxid, long fee, int weight) {}

    public BlockTemplate {
        transactions = List.copyOf(transactions);
    }

    /**
     * Reads a getblocktemplate answer. Every field the pool builds jobs from is checked for its type
     * and shape here, so a node (or a proxy in front of one) that answers garbage is refused with an
     * {@link RpcException} naming the field, instead of failing somewhere inside job building.
     */
    public static BlockTemplate fromJson(JsonNode r) {
        if (r == null || !r.isObject()) {
            throw malformed("the answer is not a JSON object");
        }
        JsonNode txArray = r.get("transactions");
        if (txArray == null || !txArray.isArray()) {
            throw malformed("'transactions' is missing or not an array");
        }
        List<Tx> txs = new ArrayList<>(txArray.size());
        for (int i = 0; i < txArray.size(); i++) {
            JsonNode t = txArray.get(i);
            String where = "transactions[" + i + "]";
            if (!t.isObject()) {
                throw malformed("'" + where + "' is not an object");
            }
            byte[] txid = hash(t, "txid", where);
            byte[] wtxid = t.hasNonNull("hash") ? hash(t, "hash", where) : txid;
            byte[] data = hex(t, "data", where);
            if (data.length == 0) {
                throw malformed("'" + where + ".data' is empty");
            }
            long fee = t.has("fee") ? integer(t, "fee", where, 0, Long.MAX_VALUE) : 0;
            int weight = t.has("weight") ? (int) integer(t, "weight", where, 0, Integer.MAX_VALUE) : 0;
            txs.add(new Tx(data, txid, wtxid, fee, weight));
        }
        Optional<byte[]> commitment = r.hasNonNull("default_witness_commitment")
                ? Optional.of(hex(r, "default_witness_commitment", null))
                : Optional.empty();
        long curtime = integer(r, "curtime", null, 0, 0xFFFF_FFFFL);
        String bits = text(r, "bits", null);
        if (bits.length() != 8) {
            throw malformed("'bits' must be 8 hex digits, got \"" + bits + "\"");
        }
        JsonNode longPollId = r.get("longpollid");
        return new BlockTemplate(
                (int) integer(r, "version", null, Integer.MIN_VALUE, 0xFFFF_FFFFL),
                hash(r, "previousblockhash", null),
                txs,
                integer(r, "coinbasevalue", null, 0, Long.MAX_VALUE),
                (int) Long.parseLong(checkedHex(bits, "bits"), 16),
                (int) integer(r, "height", null, 0, Integer.MAX_VALUE),
                curtime,
                r.has("mintime") ? integer(r, "mintime", null, 0, 0xFFFF_FFFFL) : curtime,
                commitment,
                longPollId != null && longPollId.isTextual() ? longPollId.asText() : "");
    }

    private static JsonNode field(JsonNode r, String name, String where) {
        JsonNode v = r.get(name);
        if (v == null || v.isNull()) {
            throw malformed("lacks '" + qualified(name, where) + "'");
        }
        return v;
    }

    private static long integer(JsonNode r, String name, String where, long min, long max) {
        JsonNode v = field(r, name, where);
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw malformed("'" + qualified(name, where) + "' must be an integer in " + min + ".." + max + ", got " + v);
        }
        return v.asLong();
    }

    private static String text(JsonNode r, String name, String where) {
        JsonNode v = field(r, name, where);
        if (!v.isTextual()) {
            throw malformed("'" + qualified(name, where) + "' must be a string, got " + v.getNodeType());
        }
        return v.asText();
    }

    private static byte[] hex(JsonNode r, String name, String where) {
        String qualified = qualified(name, where);
        return Hex.decode(checkedHex(text(r, name, where), qualified));
    }

    /** A 32-byte hash as the node displays it, turned into internal byte order. */
    private static byte[] hash(JsonNode r, String name, String where) {
        byte[] h = hex(r, name, where);
        if (h.length != 32) {
            throw malformed("'" + qualified(name, where) + "' must be 32 bytes, got " + h.length);
        }
        return Hex.reverse(h);
    }

    private static String checkedHex(String s, String name) {
        if ((s.length() & 1) != 0) {
            throw malformed("'" + name + "' has an odd number of hex digits");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                throw malformed("'" + name + "' is not hex (character " + i + ")");
            }
        }
        return s;
    }

    private static String qualified(String name, String where) {
        return where == null ? name : where + "." + name;
    }

    private static RpcException malformed(String what) {
        return new RpcException(-1, "malformed getblocktemplate answer: " + what);
    }

    /** Previous block hash as the node displays it. */
    public String previousBlockHashHex() {
        return Hex.encode(Hex.reverse(previousBlockHash));
    }

    public List<byte[]> txids() {
        List<byte[]> out = new ArrayList<>(transactions.size());
        transactions.forEach(t -> out.add(t.txid()));
        return out;
    }

    public long totalFees() {
        return transactions.stream().mapToLong(Tx::fee).sum();
    }
}
