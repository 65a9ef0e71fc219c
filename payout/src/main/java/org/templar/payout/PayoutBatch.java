package org.templar.payout;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Payments for the operator's own wallet to make: the pool holds no key, so a batch is rendered as
 * the wallet's own request ({@link #sendManyRequest()}) and marked sent with the txid the wallet
 * returns.
 */
public record PayoutBatch(long id, State state, List<Item> items, Optional<String> txid) {
    public enum State { PENDING, SENT, CANCELLED }

    public PayoutBatch {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(txid, "txid");
        items = List.copyOf(items);
        if (items.isEmpty()) {
            throw new IllegalArgumentException("a payout batch pays someone");
        }
        if ((state == State.SENT) != txid.isPresent()) {
            throw new IllegalArgumentException("a batch has a txid exactly when it is sent");
        }
    }

    /** One account's payment. */
    public record Item(String account, String address, long sats) {
        private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9]{14,90}");

        public Item {
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(address, "address");
            // Addresses are base58 or bech32: checking the alphabet here keeps the JSON below safe.
            if (!ADDRESS.matcher(address).matches()) {
                throw new IllegalArgumentException("not an address: '" + address + "'");
            }
            if (sats <= 0) {
                throw new IllegalArgumentException("payment must be positive: " + sats);
            }
        }
    }

    public long totalSats() {
        long sum = 0;
        for (Item i : items) {
            sum = Math.addExact(sum, i.sats());
        }
        return sum;
    }

    /**
     * Bitcoin Core's {@code sendmany} JSON-RPC request for this batch. Amounts are BTC with exactly
     * eight decimals (Core's own format, no floating point on the way). Accounts paying to the same
     * address are summed: sendmany refuses a duplicated address.
     */
    public String sendManyRequest() {
        return "{\"jsonrpc\":\"1.0\",\"id\":\"templar-payout-" + id + "\",\"method\":\"sendmany\",\"params\":[\"\","
                + amountsObject() + "]}";
    }

    /**
     * Bitcoin Core's {@code walletcreatefundedpsbt} request with the same outputs: the wallet picks
     * the inputs and returns an unsigned PSBT (BIP174) to sign offline.
     */
    public String fundedPsbtRequest() {
        return "{\"jsonrpc\":\"1.0\",\"id\":\"templar-payout-" + id + "\",\"method\":\"walletcreatefundedpsbt\","
                + "\"params\":[[]," + amountsObject() + "]}";
    }

    /**
     * The batch as a BIP174 PSBT (binary), unsigned and with outputs only: the global unsigned
     * transaction (version 2, no inputs, one output per address as in {@link #sendManyRequest()},
     * lock time 0, in its non-witness form as BIP174 requires), then an empty map per output. The
     * operator's wallet adds the inputs and change, signs and broadcasts; the pool holds no key.
     * bitcoinj 0.17 has no PSBT support, so the few bytes are written here.
     *
     * @param scriptOf an address's output script
     */
    public byte[] psbt(java.util.function.Function<String, byte[]> scriptOf) {
        Map<String, Long> byAddress = byAddress();
        java.io.ByteArrayOutputStream tx = new java.io.ByteArrayOutputStream();
        tx.writeBytes(new byte[] {2, 0, 0, 0}); // version 2
        tx.write(0); // no inputs
        writeVarInt(tx, byAddress.size());
        for (Map.Entry<String, Long> e : byAddress.entrySet()) {
            tx.writeBytes(new org.templar.payout.coinbase.TxOut(e.getValue(), scriptOf.apply(e.getKey())).serialize());
        }
        tx.writeBytes(new byte[4]); // lock time 0
        byte[] unsigned = tx.toByteArray();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x70, 0x73, 0x62, 0x74, (byte) 0xff}); // "psbt" 0xff
        writeVarInt(out, 1);
        out.write(0x00); // PSBT_GLOBAL_UNSIGNED_TX
        writeVarInt(out, unsigned.length);
        out.writeBytes(unsigned);
        out.write(0x00); // end of the global map
        for (int i = 0; i < byAddress.size(); i++) {
            out.write(0x00); // an empty output map
        }
        return out.toByteArray();
    }

    private static void writeVarInt(java.io.ByteArrayOutputStream out, long n) {
        if (n < 0xfd) {
            out.write((int) n);
        } else if (n <= 0xffff) {
            out.write(0xfd);
            out.write((int) n);
            out.write((int) (n >>> 8));
        } else {
            out.write(0xfe);
            for (int i = 0; i < 4; i++) {
                out.write((int) (n >>> (8 * i)));
            }
        }
    }

    private Map<String, Long> byAddress() {
        Map<String, Long> byAddress = new TreeMap<>();
        for (Item i : items) {
            byAddress.merge(i.address(), i.sats(), Math::addExact);
        }
        return byAddress;
    }

    private String amountsObject() {
        Map<String, Long> byAddress = byAddress();
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, Long> e : byAddress.entrySet()) {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append('"').append(e.getKey()).append("\":").append(BigDecimal.valueOf(e.getValue(), 8).toPlainString());
        }
        return json.append('}').toString();
    }
}
