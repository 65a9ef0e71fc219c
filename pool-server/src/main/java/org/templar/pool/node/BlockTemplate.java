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

    public static BlockTemplate fromJson(JsonNode r) {
        require(r, "version", "previousblockhash", "transactions", "coinbasevalue", "bits", "height", "curtime");
        List<Tx> txs = new ArrayList<>();
        for (JsonNode t : r.get("transactions")) {
            byte[] txid = Hex.reverse(Hex.decode(t.path("txid").asText()));
            byte[] wtxid = t.hasNonNull("hash") ? Hex.reverse(Hex.decode(t.get("hash").asText())) : txid;
            txs.add(new Tx(Hex.decode(t.path("data").asText()), txid, wtxid, t.path("fee").asLong(0),
                    t.path("weight").asInt(0)));
        }
        Optional<byte[]> commitment = r.hasNonNull("default_witness_commitment")
                ? Optional.of(Hex.decode(r.get("default_witness_commitment").asText()))
                : Optional.empty();
        long curtime = r.get("curtime").asLong();
        return new BlockTemplate(
                r.get("version").asInt(),
                Hex.reverse(Hex.decode(r.get("previousblockhash").asText())),
                txs,
                r.get("coinbasevalue").asLong(),
                (int) Long.parseLong(r.get("bits").asText(), 16),
                r.get("height").asInt(),
                curtime,
                r.path("mintime").asLong(curtime),
                commitment,
                r.path("longpollid").asText(""));
    }

    private static void require(JsonNode r, String... fields) {
        for (String f : fields) {
            if (!r.hasNonNull(f)) {
                throw new RpcException(-1, "getblocktemplate answer lacks '" + f + "'");
            }
        }
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
