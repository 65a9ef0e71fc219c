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

    private String amountsObject() {
        Map<String, Long> byAddress = new TreeMap<>();
        for (Item i : items) {
            byAddress.merge(i.address(), i.sats(), Math::addExact);
        }
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
