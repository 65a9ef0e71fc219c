package org.templar.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bitcoinj.base.BitcoinNetwork;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockSettlement;
import org.templar.payout.BlockStatus;
import org.templar.payout.PayoutLedger;
import org.templar.payout.PayoutVerifier;
import org.templar.payout.scheme.Credit;
import org.templar.payout.scheme.PayoutScheme;
import org.templar.payout.scheme.PayoutScheme.SchemeKind;
import org.templar.payout.scheme.PoolFee;
import org.templar.payout.scheme.Pplns;
import org.templar.payout.scheme.Pps;
import org.templar.payout.scheme.Prop;
import org.templar.payout.scheme.Solo;
import org.templar.payout.scheme.Tides;
import org.templar.payout.scheme.WindowShare;
import org.templar.pool.node.NodeClient;
import org.templar.share.Hex;

/**
 * {@code templar payouts verify --export FILE}: a miner's audit without the pool's database. Reads
 * what {@code templar payouts export --block} (or {@code /api/payouts/export}) wrote, divides each block
 * again with the exported scheme from the exported inputs alone ({@link PayoutVerifier#check}, the
 * same division the pool's own verify runs), compares with the exported credits and coinbase
 * payments and, given a node, with the block's coinbase on the chain; prices each exported PPS/FPPS
 * share-credit batch again from its shares and recorded rate, and checks how the exported batches
 * lie next to each other (shares credited twice, pool shares of the export never credited) as the
 * pool's own verify does on its ledger. Answers in the shape of
 * {@code /api/payouts/verify}, so the CLI prints both alike.
 */
final class ExportAudit {
    private ExportAudit() {}

    /** The export is not one {@code payouts export} writes; the message names where (a JSON path). */
    static final class BadExport extends RuntimeException {
        BadExport(String where, String what) {
            super(where + ": " + what);
        }
    }

    /**
     * @param node the miner's own node, to compare each block's coinbase ({@code getblock} verbosity 2)
     *     and difficulty with the export's; empty to check the export against itself only
     */
    static ObjectNode verify(JsonNode export, Optional<NodeClient> node) {
        if (!export.isObject()) {
            throw new BadExport("the file", "not a payouts export (a JSON object with \"blocks\")");
        }
        PayoutScheme scheme = scheme(export.path("scheme_config"));
        String networkName = text(export, "network", "network");
        BitcoinNetwork network = BitcoinNetwork.fromString(networkName)
                .orElseThrow(() -> new BadExport("network", "'" + networkName + "' is not a Bitcoin network"));
        String poolAddress = export.path("pool_address").isTextual() ? export.path("pool_address").asText() : null;
        PayoutVerifier verifier = new PayoutVerifier(scheme, poolAddress, account -> PayoutAudit.scriptOf(network, account));
        JsonNode blocks = export.path("blocks");
        JsonNode batches = export.path("share_credit_batches");
        if (blocks.isEmpty() && batches.isEmpty()) {
            throw new BadExport("blocks", "no block nor share-credit batch in the export (export them with `templar payouts"
                    + " export --block HASH` or `--share-credits all`)");
        }
        ObjectNode o = AdminApi.JSON.createObjectNode();
        boolean ok = true;
        if (!batches.isEmpty()) {
            ArrayNode out = o.putArray("share_credits");
            List<List<String>> placement = PayoutVerifier.placementProblems(ranges(batches), poolShareIds(export));
            for (int i = 0; i < batches.size(); i++) {
                PayoutVerifier.ShareCreditCheck c = shareCredit(batches.get(i), "share_credit_batches[" + i + "]", placement.get(i));
                ok &= c.ok();
                PayoutAudit.shareCreditResult(out.addObject(), c);
            }
        }
        ArrayNode results = o.putArray("blocks");
        for (int i = 0; i < blocks.size(); i++) {
            String at = "blocks[" + i + "]";
            JsonNode b = blocks.get(i);
            PayoutVerifier.Inputs in = inputs(b, at);
            // the difficulty the division used: a TIDES plan's recorded one, else the block's as exported
            double difficulty = in.plan().map(PayoutLedger.PlanInputs::networkDifficulty)
                    .orElseGet(() -> b.has("network_difficulty") ? number(b, at, "network_difficulty") : 1.0);
            List<String> chainProblems = new ArrayList<>();
            PayoutVerifier.ChainFacts facts = new PayoutVerifier.ChainFacts(difficulty, Optional.empty());
            if (node.isPresent()) {
                PayoutVerifier.ChainFacts onChain = PayoutAudit.chainFacts(node.get(), in.block().hash(), in.block().height());
                facts = new PayoutVerifier.ChainFacts(difficulty, onChain.coinbaseOutputs());
                if (in.plan().isEmpty() && b.has("network_difficulty") && onChain.coinbaseOutputs().isPresent()
                        && onChain.networkDifficulty() != difficulty) {
                    chainProblems.add("network difficulty: the export has " + difficulty + ", the block's is "
                            + onChain.networkDifficulty());
                }
            }
            PayoutVerifier.Result r = verifier.check(in, facts, node.isPresent());
            if (!chainProblems.isEmpty()) {
                chainProblems.addAll(0, r.problems());
                r = new PayoutVerifier.Result(r.blockHash(), r.height(), r.scheme(), r.rewardSats(), r.lines(), chainProblems,
                        r.sharesCompacted());
            }
            ok &= r.ok();
            PayoutAudit.blockResult(results.addObject(), in.block().status(), r);
        }
        o.put("ok", ok);
        return o;
    }

    /** The scheme {@link PayoutAudit#schemeConfig} wrote. */
    static PayoutScheme scheme(JsonNode c) {
        String at = "scheme_config";
        if (!c.isObject()) {
            throw new BadExport(at, "missing (an export written before `payouts verify --export` existed: export it again)");
        }
        SchemeKind kind;
        try {
            kind = SchemeKind.fromConfig(text(c, at, "payout_scheme"));
        } catch (IllegalArgumentException e) {
            throw new BadExport(at + ".payout_scheme", e.getMessage());
        }
        try {
            PoolFee fee = new PoolFee(integer(c, at, "fee_ppm"), integer(c, at, "donation_ppm"));
            return switch (kind) {
                case SOLO -> new Solo(fee);
                case PPLNS -> new Pplns(fee, number(c, at, "window_factor"));
                case PROP -> new Prop(fee);
                case PPS, FPPS -> new Pps(fee, kind == SchemeKind.FPPS);
                case TIDES -> new Tides(fee, number(c, at, "window_factor"), integer(c, at, "dust_sats"),
                        hex(c, at, "pool_script"), c.path("donation_script").isTextual()
                                ? Optional.of(hex(c, at, "donation_script")) : Optional.empty());
            };
        } catch (IllegalArgumentException e) {
            throw new BadExport(at, e.getMessage());
        }
    }

    /** One exported block as the verifier's inputs. */
    private static PayoutVerifier.Inputs inputs(JsonNode b, String at) {
        String hash = text(b, at, "hash");
        SchemeKind kind;
        BlockStatus status;
        BlockSettlement.State state;
        try {
            kind = SchemeKind.fromConfig(text(b, at, "scheme"));
            status = BlockStatus.valueOf(text(b, at, "status"));
            state = BlockSettlement.State.valueOf(text(b, at, "settlement"));
        } catch (IllegalArgumentException e) {
            throw new BadExport(at, e.getMessage());
        }
        long reward = integer(b, at, "reward_sats");
        try {
            String finder = text(b, at, "finder");
            BlockRecord block = new BlockRecord(integer(b, at, "height"), hash,
                    b.path("worker").isTextual() ? b.path("worker").asText() : finder, finder,
                    b.has("block_reward_sats") ? integer(b, at, "block_reward_sats") : reward, "export",
                    Instant.parse(text(b, at, "found_at")), status, null);
            BlockSettlement settlement = new BlockSettlement(block.hash(), kind, reward, integer(b, at, "pool_sats"),
                    integer(b, at, "donation_sats"), state, 0, credits(b, at, "credits"), credits(b, at, "coinbase_payments"));
            Optional<PayoutLedger.PlanInputs> plan = Optional.empty();
            if (kind == SchemeKind.TIDES && b.has("window_last_share_id")) {
                plan = Optional.of(new PayoutLedger.PlanInputs(integer(b, at, "window_last_share_id"),
                        number(b, at, "network_difficulty"), credits(b, at, "carried_in"),
                        b.path("miner_declared").asBoolean(false)));
            }
            List<WindowShare> shares = shares(b, at);
            Optional<String> compacted = b.path("shares_compacted").isTextual()
                    ? Optional.of(b.path("shares_compacted").asText()) : Optional.empty();
            return new PayoutVerifier.Inputs(block, settlement, plan, shares, compacted);
        } catch (java.time.format.DateTimeParseException e) {
            throw new BadExport(at + ".found_at", "not an ISO instant: " + e.getParsedString());
        } catch (IllegalArgumentException e) {
            throw new BadExport(at, e.getMessage());
        }
    }

    /** The exported batches' share ranges, in the export's order. */
    private static List<PayoutLedger.ShareCreditRange> ranges(JsonNode batches) {
        List<PayoutLedger.ShareCreditRange> out = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            String at = "share_credit_batches[" + i + "]";
            JsonNode b = batches.get(i);
            out.add(new PayoutLedger.ShareCreditRange(integer(b, at, "id"), integer(b, at, "from_share_id"),
                    integer(b, at, "to_share_id")));
        }
        return out;
    }

    /**
     * The ids of the pool shares the export holds: each batch's and those no batch credits
     * ({@code uncredited_shares}, absent from exports written before it).
     */
    private static java.util.NavigableSet<Long> poolShareIds(JsonNode export) {
        java.util.NavigableSet<Long> ids = new java.util.TreeSet<>();
        JsonNode batches = export.path("share_credit_batches");
        for (int i = 0; i < batches.size(); i++) {
            shareIds(batches.get(i).path("shares"), "share_credit_batches[" + i + "].shares", ids);
        }
        shareIds(export.path("uncredited_shares"), "uncredited_shares", ids);
        return ids;
    }

    private static void shareIds(JsonNode shares, String at, java.util.NavigableSet<Long> into) {
        for (int i = 0; i < shares.size(); i++) {
            into.add(integer(shares.get(i), at + "[" + i + "]", "id"));
        }
    }

    /**
     * One exported PPS/FPPS batch priced again from its exported shares with its exported rate
     * ({@link PayoutVerifier#checkShareCredit}), after {@code placement}: how it lies next to the
     * other batches of the export ({@link PayoutVerifier#placementProblems(List, java.util.NavigableSet)});
     * how it lies next to batches not in the export is the pool's own verify to check.
     */
    private static PayoutVerifier.ShareCreditCheck shareCredit(JsonNode b, String at, List<String> placement) {
        SchemeKind kind;
        try {
            kind = SchemeKind.fromConfig(text(b, at, "scheme"));
        } catch (IllegalArgumentException e) {
            throw new BadExport(at + ".scheme", e.getMessage());
        }
        if (kind != SchemeKind.PPS && kind != SchemeKind.FPPS) {
            throw new BadExport(at + ".scheme", "share-credit batches are pps or fpps, not " + kind.configName());
        }
        try {
            Optional<PayoutLedger.Pricing> pricing = Optional.empty();
            if (b.path("subsidy_sats").isNumber()) {
                pricing = Optional.of(new PayoutLedger.Pricing(
                        new Pps(new PoolFee(integer(b, at, "fee_ppm"), integer(b, at, "donation_ppm")), kind == SchemeKind.FPPS),
                        new Pps.Rate(integer(b, at, "subsidy_sats"), number(b, at, "network_difficulty"),
                                Math.toIntExact(integer(b, at, "fee_blocks")), integer(b, at, "fees_sats"))));
            }
            PayoutLedger.ShareCreditRecord batch = new PayoutLedger.ShareCreditRecord(integer(b, at, "id"), kind,
                    integer(b, at, "from_share_id"), integer(b, at, "to_share_id"), Instant.parse(text(b, at, "credited_at")),
                    pricing, integer(b, at, "value_sats"), integer(b, at, "credited_sats"), integer(b, at, "pool_sats"),
                    integer(b, at, "donation_sats"), credits(b, at, "credits"));
            Optional<String> compacted = b.path("shares_compacted").isTextual()
                    ? Optional.of(b.path("shares_compacted").asText()) : Optional.empty();
            return PayoutVerifier.checkShareCredit(batch, shares(b, at), compacted, placement);
        } catch (java.time.format.DateTimeParseException e) {
            throw new BadExport(at + ".credited_at", "not an ISO instant: " + e.getParsedString());
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new BadExport(at, e.getMessage());
        }
    }

    private static List<WindowShare> shares(JsonNode b, String at) {
        List<WindowShare> shares = new ArrayList<>();
        JsonNode list = b.path("shares");
        for (int i = 0; i < list.size(); i++) {
            String s = at + ".shares[" + i + "]";
            JsonNode share = list.get(i);
            shares.add(new WindowShare(text(share, s, "account"), text(share, s, "worker"), number(share, s, "difficulty"),
                    number(share, s, "revenue_weight")));
        }
        return shares;
    }

    private static List<Credit> credits(JsonNode b, String at, String field) {
        JsonNode list = b.path(field);
        if (!list.isArray()) {
            throw new BadExport(at + "." + field, "missing (a list of {account, sats})");
        }
        List<Credit> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String c = at + "." + field + "[" + i + "]";
            out.add(new Credit(text(list.get(i), c, "account"), integer(list.get(i), c, "sats")));
        }
        out.sort(java.util.Comparator.comparing(Credit::account)); // as the ledger keeps them
        return out;
    }

    private static String text(JsonNode o, String at, String field) {
        JsonNode v = o.path(field);
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw new BadExport(at.equals(field) ? field : at + "." + field, v.isMissingNode() ? "missing" : "not a text: " + v);
        }
        return v.asText();
    }

    private static long integer(JsonNode o, String at, String field) {
        JsonNode v = o.path(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new BadExport(at + "." + field, v.isMissingNode() ? "missing" : "not a whole number: " + v);
        }
        return v.asLong();
    }

    private static double number(JsonNode o, String at, String field) {
        JsonNode v = o.path(field);
        if (!v.isNumber()) {
            throw new BadExport(at + "." + field, v.isMissingNode() ? "missing" : "not a number: " + v);
        }
        return v.asDouble();
    }

    private static byte[] hex(JsonNode o, String at, String field) {
        String s = text(o, at, field);
        if (s.length() % 2 != 0 || !Hex.isHex(s, s.length() / 2)) {
            throw new BadExport(at + "." + field, "not hex: " + s);
        }
        return Hex.decode(s);
    }
}
