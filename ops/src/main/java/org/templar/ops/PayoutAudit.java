package org.templar.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockSettlement;
import org.templar.payout.PayoutLedger;
import org.templar.payout.PayoutVerifier;
import org.templar.payout.scheme.Credit;
import org.templar.payout.scheme.PayoutScheme;
import org.templar.payout.scheme.Pplns;
import org.templar.payout.scheme.Tides;
import org.templar.payout.scheme.WindowShare;
import org.templar.pool.core.Authorizer;
import org.templar.pool.node.NodeClient;
import org.templar.pool.node.RpcException;
import org.templar.share.Target;

/**
 * The admin API's payout audit: {@code /api/payouts/verify} (a block divided again from the ledger's
 * shares, compared with its credits and with its coinbase as the node has it) and
 * {@code /api/payouts/export} (everything a miner needs to do the same on its own: each block's
 * division, the inputs of its plan and the shares of its window).
 */
final class PayoutAudit {
    /** How many of the newest blocks {@code --all} covers. */
    static final int MAX_BLOCKS = 1000;
    private static final int NODE_TIMEOUT_SECONDS = 10;
    /** Core's RPC_INVALID_ADDRESS_OR_KEY: the node does not know the block. */
    private static final int BLOCK_NOT_FOUND = -5;

    private final PoolRuntime pool;
    private final PayoutLedger payouts;
    private final PayoutScheme scheme;

    PayoutAudit(PoolRuntime pool) {
        this.pool = pool;
        this.payouts = new PayoutLedger(pool.ledger());
        this.scheme = pool.config().pool().payout().scheme();
    }

    /** The blocks a parameter names: a 64-hex hash, a height (every block the pool found there), or "all". */
    List<BlockRecord> blocks(String which) {
        String w = which.trim().toLowerCase(Locale.ROOT);
        List<BlockRecord> out = new ArrayList<>();
        if (w.matches("[0-9a-f]{64}")) {
            pool.ledger().blockByHash(w).ifPresent(out::add);
        } else if (w.equals("all")) {
            for (BlockRecord b : pool.ledger().recentBlocks(MAX_BLOCKS)) {
                if (payouts.settlement(b.hash()).isPresent()) {
                    out.add(0, b); // oldest first
                }
            }
        } else if (w.matches("[0-9]{1,10}")) {
            long height = Long.parseLong(w);
            for (BlockRecord b : pool.ledger().recentBlocks(MAX_BLOCKS)) {
                if (b.height() == height) {
                    out.add(b);
                }
            }
        } else {
            throw new AdminApi.BadParameter("block", "'" + which + "' is neither a block hash, a height nor 'all'");
        }
        return out;
    }

    /** How many share-credit batches {@code all} or a period covers at most (the newest). */
    static final int MAX_BATCHES = 1000;

    /**
     * PPS/FPPS share-credit batches a parameter names: a batch id, {@code all} (the newest {@value
     * #MAX_BATCHES}), or a period of credit times {@code FROM..TO} (ISO instants or UTC dates, TO excluded).
     */
    static PayoutLedger.ShareCreditSelection batches(String which) {
        String w = which.trim();
        if (w.equalsIgnoreCase("all")) {
            return PayoutLedger.ShareCreditSelection.newest(MAX_BATCHES);
        }
        if (w.matches("[0-9]{1,18}")) {
            return PayoutLedger.ShareCreditSelection.batch(Long.parseLong(w));
        }
        int dots = w.indexOf("..");
        if (dots > 0) {
            try {
                java.time.Instant from = instant(w.substring(0, dots));
                java.time.Instant to = instant(w.substring(dots + 2));
                if (to.isAfter(from)) {
                    return PayoutLedger.ShareCreditSelection.period(from, to, MAX_BATCHES);
                }
            } catch (java.time.format.DateTimeParseException e) {
                // named below
            }
        }
        throw new AdminApi.BadParameter("share_credits", "'" + which + "' is neither a batch id, 'all' nor a period FROM..TO"
                + " (e.g. 2026-12-01..2026-12-02 or 2026-12-01T00:00:00Z..2026-12-01T06:00:00Z)");
    }

    private static java.time.Instant instant(String s) {
        return s.contains("T") ? java.time.Instant.parse(s) : java.time.LocalDate.parse(s).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
    }

    /**
     * {@code /api/payouts/verify}: the blocks {@code block} names and the share-credit batches
     * {@code shareCredits} names (either may be null, not both).
     */
    ObjectNode verify(String block, String shareCredits) {
        if (block == null && shareCredits == null) {
            throw new AdminApi.BadParameter("block", "required (or share_credits)");
        }
        PayoutVerifier verifier = new PayoutVerifier(payouts, scheme, pool.config().pool().payoutAddress().orElse(null),
                this::scriptOf);
        ObjectNode o = block == null ? AdminApi.JSON.createObjectNode() : verifyBlocks(verifier, block);
        boolean ok = o.path("ok").asBoolean(true);
        if (shareCredits != null) {
            List<PayoutVerifier.ShareCreditCheck> checks = verifier.verifyShareCredits(batches(shareCredits));
            ArrayNode out = o.putArray("share_credits");
            for (PayoutVerifier.ShareCreditCheck c : checks) {
                ok &= c.ok();
                shareCreditResult(out.addObject(), c);
            }
        }
        o.put("ok", ok);
        return o;
    }

    /** One share-credit batch's check as {@code /api/payouts/verify} and {@code payouts verify --export} show it. */
    static ObjectNode shareCreditResult(ObjectNode out, PayoutVerifier.ShareCreditCheck c) {
        ObjectNode j = batch(out, c.batch()).put("shares", c.shares()).put("ok", c.ok());
        c.notPriced().ifPresent(why -> j.put("not_priced", why));
        ArrayNode lines = j.putArray("accounts");
        for (PayoutVerifier.Line l : c.lines()) {
            lines.addObject().put("account", l.account()).put("expected_sats", l.expectedSats() >= 0 ? l.expectedSats() : null)
                    .put("credited_sats", l.creditedSats());
        }
        ArrayNode problems = j.putArray("problems");
        c.problems().forEach(problems::add);
        return j;
    }

    /** A batch's record and what it was priced with, as verify and export show it. */
    private static ObjectNode batch(ObjectNode j, PayoutLedger.ShareCreditRecord b) {
        j.put("id", b.id()).put("scheme", b.scheme().configName()).put("from_share_id", b.fromShareId())
                .put("to_share_id", b.toShareId()).put("credited_at", b.creditedAt().toString());
        Optional<PayoutLedger.Pricing> p = b.pricing();
        j.put("subsidy_sats", p.map(x -> x.rate().subsidySats()).orElse(null))
                .put("network_difficulty", p.map(x -> x.rate().networkDifficulty()).orElse(null))
                .put("fee_blocks", p.map(x -> x.rate().feeBlocks()).orElse(null))
                .put("fees_sats", p.map(x -> x.rate().feesSats()).orElse(null))
                .put("fee_ppm", p.map(x -> x.scheme().fee().feePpm()).orElse(null))
                .put("donation_ppm", p.map(x -> x.scheme().fee().donationPpm()).orElse(null));
        return j.put("value_sats", b.valueSats()).put("credited_sats", b.creditedSats()).put("pool_sats", b.poolSats())
                .put("donation_sats", b.donationSats());
    }

    private ObjectNode verifyBlocks(PayoutVerifier verifier, String which) {
        List<BlockRecord> blocks = blocks(which);
        if (blocks.isEmpty()) {
            throw new AdminApi.BadParameter("block", "the pool found no block '" + which + "'");
        }
        ObjectNode o = AdminApi.JSON.createObjectNode();
        ArrayNode results = o.putArray("blocks");
        boolean ok = true;
        for (BlockRecord b : blocks) {
            PayoutVerifier.Result r = verifier.verify(b, chainFacts(b));
            ok &= r.ok();
            blockResult(results.addObject(), b.status(), r);
        }
        o.put("ok", ok);
        return o;
    }

    /** One block's verification as {@code /api/payouts/verify} and {@code payouts verify --export} show it. */
    static ObjectNode blockResult(ObjectNode j, org.templar.payout.BlockStatus status, PayoutVerifier.Result r) {
        j.put("hash", r.blockHash()).put("height", r.height()).put("status", status.name())
                .put("scheme", r.scheme().configName()).put("reward_sats", r.rewardSats()).put("ok", r.ok());
        r.sharesCompacted().ifPresent(why -> j.put("shares_compacted", why));
        ArrayNode lines = j.putArray("accounts");
        for (PayoutVerifier.Line l : r.lines()) {
            ObjectNode line = lines.addObject().put("account", l.account())
                    .put("expected_sats", l.expectedSats() >= 0 ? l.expectedSats() : null)
                    .put("credited_sats", l.creditedSats());
            if (l.paidSats() >= 0) {
                line.put("paid_in_coinbase_sats", l.paidSats());
            }
            if (l.coinbaseSats() >= 0) {
                line.put("coinbase_output_sats", l.coinbaseSats());
            }
        }
        ArrayNode problems = j.putArray("problems");
        r.problems().forEach(problems::add);
        return j;
    }

    /**
     * Everything about the blocks ({@code block}) and PPS/FPPS share-credit batches ({@code
     * shareCredits}) a miner needs to divide and price them again without the pool; either may be
     * null, not both.
     */
    ObjectNode export(String block, String shareCredits) {
        if (block == null && shareCredits == null) {
            throw new AdminApi.BadParameter("block", "required (or share_credits)");
        }
        ObjectNode o = AdminApi.JSON.createObjectNode();
        o.put("scheme", scheme.kind().configName());
        o.put("scheme_parameters", scheme.toString());
        // what `payouts verify --export` divides with: the scheme exactly, the network its addresses
        // are of, and the pool's address (a TIDES window without shares is the pool's)
        schemeConfig(o.putObject("scheme_config"), scheme);
        o.put("network", pool.config().network().toString());
        o.put("pool_address", pool.config().pool().payoutAddress().orElse(null));
        ArrayNode out = o.putArray("blocks");
        if (block != null) {
            exportBlocks(out, block);
        }
        if (shareCredits != null) {
            ArrayNode batches = o.putArray("share_credit_batches");
            // the pool shares between one exported batch and the next that no batch credits (none on
            // an honest ledger): with them the export alone shows shares never credited
            ArrayNode uncredited = o.putArray("uncredited_shares");
            long compactedUpTo = payouts.retentionHorizon().maxCompactedId();
            long reached = -1;
            for (PayoutLedger.ShareCreditRecord b : payouts.shareCreditBatches(batches(shareCredits))) {
                if (reached >= 0 && reached < b.fromShareId()) {
                    shares(uncredited, payouts.poolSharesBetween(reached, b.fromShareId()));
                }
                reached = Math.max(reached, b.toShareId());
                ObjectNode j = batch(batches.addObject(), b);
                credits(j.putArray("credits"), b.credits());
                ArrayNode shares = j.putArray("shares");
                // a batch compaction reached is left out whole (with why) rather than exported partly
                if (compactedUpTo > b.fromShareId()) {
                    j.put("shares_compacted", "shares up to id " + compactedUpTo + " were compacted into per-worker aggregates");
                    continue;
                }
                shares(shares, payouts.poolSharesBetween(b.fromShareId(), b.toShareId()));
            }
        }
        return o;
    }

    private static void shares(ArrayNode out, List<PayoutLedger.LedgerShare> shares) {
        for (PayoutLedger.LedgerShare share : shares) {
            share(out.addObject().put("id", share.id()).put("share_hash", share.share().shareHash()),
                    WindowShare.of(share.share()), share.share().time().toString());
        }
    }

    private void exportBlocks(ArrayNode out, String which) {
        List<BlockRecord> blocks = blocks(which);
        for (BlockRecord b : blocks) {
            Optional<BlockSettlement> settled = payouts.settlement(b.hash());
            if (settled.isEmpty()) {
                continue;
            }
            BlockSettlement s = settled.get();
            ObjectNode j = out.addObject();
            j.put("hash", b.hash()).put("height", b.height()).put("status", b.status().name()).put("found_at", b.foundAt().toString())
                    .put("finder", b.user()).put("worker", b.worker()).put("block_reward_sats", b.rewardSats())
                    .put("scheme", s.scheme().configName()).put("reward_sats", s.rewardSats())
                    .put("pool_sats", s.poolSats()).put("donation_sats", s.donationSats()).put("settlement", s.state().name());
            credits(j.putArray("credits"), s.credits());
            credits(j.putArray("coinbase_payments"), s.coinbasePayments());
            ArrayNode shares = j.putArray("shares");
            Optional<PayoutLedger.PlanInputs> in = payouts.coinbasePlanInputs(b.hash());
            // a window compaction reached is left out whole (with why) rather than exported partly
            org.templar.payout.ShareRetention.Horizon horizon = payouts.retentionHorizon();
            if (in.isPresent() && scheme instanceof Tides tides) {
                j.put("network_difficulty", in.get().networkDifficulty());
                j.put("window_last_share_id", in.get().windowLastShareId());
                j.put("miner_declared", in.get().minerDeclared());
                credits(j.putArray("carried_in"), in.get().carriedIn());
                List<PayoutLedger.LedgerShare> window = payouts.windowUpToShare(in.get().windowLastShareId(),
                        tides.windowLength(in.get().networkDifficulty()));
                Optional<String> gone = PayoutVerifier.compacted(horizon, window, tides.windowLength(in.get().networkDifficulty()));
                gone.ifPresent(why -> j.put("shares_compacted", why));
                for (PayoutLedger.LedgerShare share : gone.isPresent() ? List.<PayoutLedger.LedgerShare>of() : window) {
                    share(shares.addObject().put("id", share.id()).put("share_hash", share.share().shareHash()),
                            WindowShare.of(share.share()), share.share().time().toString());
                }
            } else if (scheme instanceof Pplns pplns) {
                double d = chainFacts(b).networkDifficulty();
                j.put("network_difficulty", d);
                List<PayoutLedger.LedgerShare> window = payouts.windowSharesEndingAt(b.foundAt(), pplns.windowLength(d));
                Optional<String> gone = PayoutVerifier.compacted(horizon, window, pplns.windowLength(d));
                gone.ifPresent(why -> j.put("shares_compacted", why));
                for (PayoutLedger.LedgerShare share : gone.isPresent() ? List.<PayoutLedger.LedgerShare>of() : window) {
                    share(shares.addObject(), WindowShare.of(share.share()), null);
                }
            } else if (s.scheme() == PayoutScheme.SchemeKind.PROP) {
                PayoutVerifier.ChainFacts facts = chainFacts(b);
                j.put("network_difficulty", facts.networkDifficulty());
                java.time.Instant start = PayoutVerifier.propRoundStart(payouts, b, facts);
                if (horizon.maxCompactedAt().filter(t -> t.isAfter(start)).isPresent()) {
                    j.put("shares_compacted", PayoutVerifier.goneMessage(horizon));
                } else {
                    for (WindowShare share : payouts.round(start, b.foundAt())) {
                        share(shares.addObject(), share, null);
                    }
                }
            }
        }
    }

    /**
     * The scheme with every parameter its division depends on, under the configuration's names where
     * it has them (fees in ppm, exactly): {@link ExportAudit#scheme} builds it again.
     */
    static ObjectNode schemeConfig(ObjectNode j, PayoutScheme scheme) {
        j.put("payout_scheme", scheme.kind().configName());
        org.templar.payout.scheme.PoolFee fee;
        if (scheme instanceof Tides t) {
            fee = t.fee();
            j.put("window_factor", t.windowFactor()).put("dust_sats", t.dustSats())
                    .put("pool_script", org.templar.share.Hex.encode(t.poolScript()))
                    .put("donation_script", t.donationScript().map(org.templar.share.Hex::encode).orElse(null));
        } else if (scheme instanceof Pplns p) {
            fee = p.fee();
            j.put("window_factor", p.windowFactor());
        } else if (scheme instanceof org.templar.payout.scheme.Prop p) {
            fee = p.fee();
        } else if (scheme instanceof org.templar.payout.scheme.Pps p) {
            fee = p.fee();
        } else if (scheme instanceof org.templar.payout.scheme.Solo p) {
            fee = p.fee();
        } else {
            throw new IllegalStateException("no export for scheme " + scheme);
        }
        return j.put("fee_ppm", fee.feePpm()).put("donation_ppm", fee.donationPpm());
    }

    private static void credits(ArrayNode a, List<Credit> credits) {
        for (Credit c : credits) {
            a.addObject().put("account", c.account()).put("sats", c.sats());
        }
    }

    private static void share(ObjectNode o, WindowShare s, String at) {
        o.put("account", s.account()).put("worker", s.worker()).put("difficulty", s.difficulty())
                .put("revenue_weight", s.revenueWeight());
        if (at != null) {
            o.put("submitted_at", at);
        }
    }

    /** The export as CSV: one row per share, credit, coinbase payment and carry of each block. */
    static String csv(JsonNode export) {
        StringBuilder out = new StringBuilder("block_hash,height,record,share_id,account,worker,difficulty,revenue_weight,sats\n");
        for (JsonNode b : export.path("blocks")) {
            String prefix = b.path("hash").asText() + "," + b.path("height").asText() + ",";
            for (JsonNode s : b.path("shares")) {
                out.append(prefix).append("share,").append(s.path("id").asText("")).append(',').append(field(s.path("account").asText()))
                        .append(',').append(field(s.path("worker").asText())).append(',').append(s.path("difficulty").asText())
                        .append(',').append(s.path("revenue_weight").asText()).append(",\n");
            }
            for (String kind : new String[] {"credits", "coinbase_payments", "carried_in"}) {
                for (JsonNode c : b.path(kind)) {
                    out.append(prefix).append(kind.replaceAll("s$", "")).append(",,").append(field(c.path("account").asText()))
                            .append(",,,,").append(c.path("sats").asText()).append('\n');
                }
            }
            out.append(prefix).append("pool,,,,,,").append(b.path("pool_sats").asText()).append('\n');
            out.append(prefix).append("donation,,,,,,").append(b.path("donation_sats").asText()).append('\n');
        }
        return out.toString();
    }

    /**
     * The share-credit batches of an export as CSV: one row per share, credit, and the batch's value,
     * pool and donation part, each row carrying its batch's range and pricing (one flat table).
     */
    static String shareCreditsCsv(JsonNode export) {
        StringBuilder out = new StringBuilder("batch_id,scheme,from_share_id,to_share_id,credited_at,subsidy_sats,"
                + "network_difficulty,fee_blocks,fees_sats,fee_ppm,donation_ppm,record,share_id,account,worker,difficulty,"
                + "revenue_weight,sats\n");
        for (JsonNode b : export.path("share_credit_batches")) {
            StringBuilder prefix = new StringBuilder();
            for (String column : new String[] {"id", "scheme", "from_share_id", "to_share_id", "credited_at", "subsidy_sats",
                    "network_difficulty", "fee_blocks", "fees_sats", "fee_ppm", "donation_ppm"}) {
                prefix.append(b.path(column).isNull() ? "" : b.path(column).asText()).append(',');
            }
            for (JsonNode s : b.path("shares")) {
                out.append(prefix).append("share,").append(s.path("id").asText()).append(',').append(field(s.path("account").asText()))
                        .append(',').append(field(s.path("worker").asText())).append(',').append(s.path("difficulty").asText())
                        .append(',').append(s.path("revenue_weight").asText()).append(",\n");
            }
            for (JsonNode c : b.path("credits")) {
                out.append(prefix).append("credit,,").append(field(c.path("account").asText())).append(",,,,")
                        .append(c.path("sats").asText()).append('\n');
            }
            for (String part : new String[] {"value", "pool", "donation"}) {
                out.append(prefix).append(part).append(",,,,,,").append(b.path(part + "_sats").asText()).append('\n');
            }
        }
        return out.toString();
    }

    /** RFC 4180 quoting for names miners chose. */
    private static String field(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private Optional<byte[]> scriptOf(String account) {
        return scriptOf(pool.config().network(), account);
    }

    /** An account's output script: accounts of in-coinbase schemes are addresses of the pool's network. */
    static Optional<byte[]> scriptOf(org.bitcoinj.base.BitcoinNetwork network, String account) {
        try {
            return Optional.of(Authorizer.planFor(network, account).script());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private PayoutVerifier.ChainFacts chainFacts(BlockRecord b) {
        return chainFacts(pool.nodes().primary(), b.hash(), b.height());
    }

    /** The block's difficulty and coinbase from the node ({@code getblock} verbosity 2); the tip's difficulty when the node lost the block. */
    static PayoutVerifier.ChainFacts chainFacts(NodeClient node, String hash, long height) {
        try {
            JsonNode block = node.rpc().call("getblock", hash, 2).get(NODE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            Map<String, Long> outs = new HashMap<>();
            for (JsonNode out : block.path("tx").get(0).path("vout")) {
                long sats = new BigDecimal(out.path("value").asText()).movePointRight(8).longValueExact();
                if (sats > 0) {
                    outs.merge(out.path("scriptPubKey").path("hex").asText(), sats, Long::sum);
                }
            }
            double difficulty = block.path("difficulty").asDouble(0);
            if (!(difficulty > 0)) {
                difficulty = Target.fromCompact((int) Long.parseLong(block.path("bits").asText(), 16)).difficulty();
            }
            return new PayoutVerifier.ChainFacts(difficulty, Optional.of(outs),
                    Optional.of(ancestry(node, hash, height, block.path("confirmations").asLong())));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RpcException r && r.code() == BLOCK_NOT_FOUND) {
                try {
                    return new PayoutVerifier.ChainFacts(tipDifficulty(node), Optional.empty());
                } catch (Exception tip) {
                    throw new IllegalStateException("the node could not be asked for its chain: " + tip);
                }
            }
            throw new IllegalStateException("the node could not be asked for block " + hash + ": " + e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException("the node could not be asked for block " + hash + ": " + e);
        }
    }

    /**
     * The hash of the block's ancestor at a height, asked of the node when needed: on the best chain
     * by height ({@code getblockhash}); off it (an orphaned block), by {@code previousblockhash} down
     * to where its branch joins the best chain.
     */
    private static java.util.function.LongFunction<Optional<String>> ancestry(NodeClient node, String hash, long height,
            long confirmations) {
        return h -> {
            if (h < 0 || h > height) {
                return Optional.empty();
            }
            try {
                String at = hash;
                long atHeight = height;
                boolean active = confirmations >= 1;
                JsonNode header = null; // of `at`, once read
                while (!active && atHeight > h) {
                    if (header == null) {
                        header = node.rpc().call("getblockheader", at, true).get(NODE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    }
                    at = header.path("previousblockhash").asText();
                    atHeight--;
                    header = node.rpc().call("getblockheader", at, true).get(NODE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    active = header.path("confirmations").asLong() >= 1;
                }
                if (atHeight == h) {
                    return Optional.of(at);
                }
                return Optional.of(node.rpc().call("getblockhash", h).get(NODE_TIMEOUT_SECONDS, TimeUnit.SECONDS).asText());
            } catch (Exception e) {
                throw new IllegalStateException("the node could not be asked for the ancestors of block " + hash + ": " + e);
            }
        };
    }

    private static double tipDifficulty(NodeClient node) throws Exception {
        return node.getBlockchainInfo().get(NODE_TIMEOUT_SECONDS, TimeUnit.SECONDS).path("difficulty").asDouble();
    }
}
