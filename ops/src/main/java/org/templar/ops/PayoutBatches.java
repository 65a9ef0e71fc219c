package org.templar.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import java.util.Optional;
import org.templar.payout.LedgerException;
import org.templar.payout.PayoutBatch;
import org.templar.payout.PayoutLedger;
import org.templar.pool.core.Authorizer;

/**
 * Custodial payouts through the admin API: {@code POST /api/payouts/batch} moves every available
 * balance of at least {@code payout.threshold_sats} whose account is an address of the pool's network
 * into a new batch, rendered for the operator's wallet (Core's {@code sendmany} request and an
 * outputs-only PSBT); {@code POST /api/payouts/mark-sent} records the txid the wallet returned.
 * The ledger's transactions and constraints keep a balance from being paid twice.
 */
final class PayoutBatches {
    private final PoolRuntime pool;
    private final PayoutLedger payouts;

    PayoutBatches(PoolRuntime pool) {
        this.pool = pool;
        this.payouts = new PayoutLedger(pool.ledger());
    }

    /** A new batch, or {@code "batch": null} when nobody is due. */
    ObjectNode create() {
        long threshold = pool.config().pool().payout().thresholdSats();
        Optional<PayoutBatch> batch = payouts.createBatch(threshold, this::addressOf);
        if (batch.isEmpty()) {
            ObjectNode o = AdminApi.JSON.createObjectNode();
            o.putNull("batch");
            o.put("threshold_sats", threshold);
            return o;
        }
        return render(batch.get());
    }

    ObjectNode show(long id) {
        try {
            return render(payouts.batch(id));
        } catch (LedgerException e) {
            throw new AdminApi.BadParameter("batch", "no payout batch " + id);
        }
    }

    /** Idempotent with the same txid; another txid for a sent batch, or a cancelled batch, is a conflict. */
    AdminApi.Response markSent(long id, String txid) {
        show(id); // 400 for a batch that does not exist
        try {
            return AdminApi.Response.ok(render(payouts.markSent(id, txid)));
        } catch (IllegalArgumentException e) {
            throw new AdminApi.BadParameter("txid", e.getMessage());
        } catch (IllegalStateException e) {
            return AdminApi.Response.error(409, e.getMessage());
        }
    }

    private ObjectNode render(PayoutBatch b) {
        ObjectNode o = AdminApi.JSON.createObjectNode();
        o.put("batch", b.id());
        o.put("state", b.state().name());
        b.txid().ifPresent(t -> o.put("txid", t));
        o.put("total_sats", b.totalSats());
        var items = o.putArray("items");
        for (PayoutBatch.Item i : b.items()) {
            items.addObject().put("account", i.account()).put("address", i.address()).put("sats", i.sats());
        }
        o.put("sendmany", b.sendManyRequest());
        o.put("walletcreatefundedpsbt", b.fundedPsbtRequest());
        o.put("psbt", Base64.getEncoder().encodeToString(b.psbt(a -> Authorizer.planFor(pool.config().network(), a).script())));
        return o;
    }

    /** Custodial accounts are paid when the account name is an address of the pool's network. */
    private Optional<String> addressOf(String account) {
        try {
            Authorizer.planFor(pool.config().network(), account);
            return Optional.of(account);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
