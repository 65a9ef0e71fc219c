package org.templar.payout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import org.templar.payout.scheme.Credit;
import org.templar.payout.scheme.Distribution;
import org.templar.payout.scheme.FoundBlock;
import org.templar.payout.scheme.PayoutScheme;
import org.templar.payout.scheme.PayoutScheme.SchemeKind;
import org.templar.payout.scheme.Pplns;
import org.templar.payout.scheme.Tides;
import org.templar.payout.scheme.WindowShare;
import org.templar.share.Hex;

/**
 * {@code templar payouts verify}: divides a block again from the ledger's shares and compares the
 * result with what the ledger credited and, for in-coinbase schemes, with what the block's coinbase
 * (as the node has it) actually pays. Every difference is named: account, expected, found.
 *
 * <p>The recomputation uses the same inputs the credit did: a TIDES block's recorded window end,
 * network difficulty and carries (V12); for PPLNS the shares up to the block's time and the block's
 * own difficulty; for PROP the round since the pool's previous block. PPS and FPPS credit shares, not
 * blocks: a block of theirs is the pool's whole, and is checked as such; their share credits are
 * checked batch by batch ({@link #verifyShareCredits}), each priced again with the rate and fee it
 * was credited with.
 *
 * <p>{@link #verify} reads those inputs from the ledger; {@link #check} divides and compares given
 * them, from wherever they come: {@code templar payouts verify --export} takes them from an export
 * alone, for a miner without the pool's database.
 */
public final class PayoutVerifier {
    private final PayoutLedger payouts;
    private final PayoutScheme scheme;
    private final String poolAddress;
    private final Function<String, Optional<byte[]>> scriptOf;

    /**
     * @param poolAddress TIDES: the finder of a block whose window held no share (see {@code TidesPlanner})
     * @param scriptOf an account's output script (accounts are addresses in in-coinbase schemes)
     */
    public PayoutVerifier(PayoutLedger payouts, PayoutScheme scheme, String poolAddress,
            Function<String, Optional<byte[]>> scriptOf) {
        this.payouts = Objects.requireNonNull(payouts, "payouts");
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        this.poolAddress = poolAddress;
        this.scriptOf = Objects.requireNonNull(scriptOf, "scriptOf");
    }

    /** Without a ledger: only {@link #check}, on inputs from elsewhere (an export). */
    public PayoutVerifier(PayoutScheme scheme, String poolAddress, Function<String, Optional<byte[]>> scriptOf) {
        this.payouts = null;
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        this.poolAddress = poolAddress;
        this.scriptOf = Objects.requireNonNull(scriptOf, "scriptOf");
    }

    /**
     * What the chain says of the block: its network difficulty and, when the node has it, its
     * coinbase outputs (script hex to satoshis, outputs to one script summed) and its ancestry (the
     * hash of its ancestor at a height: where its PROP round starts, see {@link PayoutLedger#roundStart}).
     */
    public record ChainFacts(double networkDifficulty, Optional<Map<String, Long>> coinbaseOutputs,
            Optional<java.util.function.LongFunction<Optional<String>>> ancestorAt) {
        public ChainFacts {
            Objects.requireNonNull(coinbaseOutputs, "coinbaseOutputs");
            Objects.requireNonNull(ancestorAt, "ancestorAt");
        }

        /** Without the block's ancestry (PROP then takes the ledger's statuses for it). */
        public ChainFacts(double networkDifficulty, Optional<Map<String, Long>> coinbaseOutputs) {
            this(networkDifficulty, coinbaseOutputs, Optional.empty());
        }
    }

    /**
     * One account's figures. {@code coinbase}/{@code paid} are -1 where they do not apply (custodial
     * schemes; a block the node does not have).
     *
     * @param expectedSats the recomputed credit
     * @param creditedSats what the ledger credited
     * @param paidSats what the ledger says the coinbase paid (in-coinbase schemes)
     * @param coinbaseSats what the block's coinbase pays the account's script
     */
    public record Line(String account, long expectedSats, long creditedSats, long paidSats, long coinbaseSats) {}

    /**
     * @param sharesCompacted present when the block's shares were compacted ({@link ShareRetention}):
     *     its division cannot be recomputed (expected amounts are -1), which is not a mismatch; what
     *     needs no shares (the coinbase against the ledger) is still checked
     */
    public record Result(String blockHash, long height, SchemeKind scheme, long rewardSats, List<Line> lines,
            List<String> problems, Optional<String> sharesCompacted) {
        public Result {
            lines = List.copyOf(lines);
            problems = List.copyOf(problems);
            Objects.requireNonNull(sharesCompacted, "sharesCompacted");
        }

        public Result(String blockHash, long height, SchemeKind scheme, long rewardSats, List<Line> lines,
                List<String> problems) {
            this(blockHash, height, scheme, rewardSats, lines, problems, Optional.empty());
        }

        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /**
     * What a block's division is checked from: the block, its settlement as recorded, a TIDES plan's
     * inputs, and the shares its scheme divides (the window, or the round; none for SOLO, PPS and
     * FPPS). {@code sharesCompacted}, when present, says why the shares are missing (not a mismatch).
     */
    public record Inputs(BlockRecord block, BlockSettlement settlement, Optional<PayoutLedger.PlanInputs> plan,
            List<WindowShare> shares, Optional<String> sharesCompacted) {
        public Inputs {
            Objects.requireNonNull(block, "block");
            Objects.requireNonNull(settlement, "settlement");
            Objects.requireNonNull(plan, "plan");
            shares = List.copyOf(shares);
            Objects.requireNonNull(sharesCompacted, "sharesCompacted");
        }
    }

    /** Divides the block again from the ledger's shares and compares (see {@link #check}). */
    public Result verify(BlockRecord block, ChainFacts chain) {
        Objects.requireNonNull(block, "block");
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(payouts, "a verifier without a ledger only checks inputs given to it");
        Optional<BlockSettlement> settled = payouts.settlement(block.hash());
        if (settled.isEmpty()) {
            return new Result(block.hash(), block.height(), scheme.kind(), block.rewardSats(), List.of(),
                    List.of("the ledger has not credited block " + block.hash() + " (status " + block.status() + ")"));
        }
        BlockSettlement s = settled.get();
        Optional<PayoutLedger.PlanInputs> plan = payouts.coinbasePlanInputs(block.hash());
        List<String> compacted = new ArrayList<>();
        List<WindowShare> shares = s.scheme() == scheme.kind() ? shares(block, s, chain, plan, compacted) : List.of();
        return check(new Inputs(block, s, plan, shares, compacted.stream().findFirst()), chain, true);
    }

    /**
     * Divides the block again with this verifier's scheme from {@code in} alone, and compares the
     * result with the settlement's credits and, for in-coinbase schemes, with the coinbase payments
     * and the block's coinbase on the chain ({@code chain.coinbaseOutputs()}, when known). Every
     * difference is one problem, naming the account and both amounts.
     *
     * @param nodeAsked whether {@code chain} is the node's word on the block: then a coinbase the node
     *     does not have is a problem; without a node (an export checked offline) it is only not compared
     */
    public Result check(Inputs in, ChainFacts chain, boolean nodeAsked) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(chain, "chain");
        BlockRecord block = in.block();
        BlockSettlement s = in.settlement();
        List<String> problems = new ArrayList<>();
        if (s.scheme() != scheme.kind()) {
            problems.add("the block was credited under " + s.scheme() + " but the pool runs " + scheme.kind()
                    + ": verify it with that scheme's configuration");
            return new Result(block.hash(), block.height(), s.scheme(), s.rewardSats(), List.of(), problems);
        }
        Optional<PayoutLedger.PlanInputs> inputs = in.plan();
        // A miner-declared job's plan divides the payout value the miner asked for (extension 0x0003);
        // the rest of its coinbase is the miner's own. Every other settlement divides the whole reward.
        boolean declared = inputs.map(PayoutLedger.PlanInputs::minerDeclared).orElse(false);
        if (declared ? s.rewardSats() > block.rewardSats() : s.rewardSats() != block.rewardSats()) {
            problems.add("the settlement divides " + s.rewardSats() + " sat, the block claims " + block.rewardSats() + " sat");
        }
        Optional<String> gone = in.sharesCompacted();
        Distribution expected = gone.isPresent() ? null : divide(in, chain, problems);
        if (expected == null && gone.isEmpty()) {
            return new Result(block.hash(), block.height(), s.scheme(), s.rewardSats(), List.of(), problems);
        }
        if (expected != null && (expected.poolSats() != s.poolSats() || expected.donationSats() != s.donationSats())) {
            problems.add("pool/donation: the ledger has " + s.poolSats() + "/" + s.donationSats() + " sat, the shares give "
                    + expected.poolSats() + "/" + expected.donationSats() + " sat");
        }
        List<Credit> carriedIn = inputs.map(PayoutLedger.PlanInputs::carriedIn).orElse(List.of());
        SortedSet<String> accounts = new TreeSet<>();
        if (expected != null) {
            expected.credits().forEach(c -> accounts.add(c.account()));
        }
        s.credits().forEach(c -> accounts.add(c.account()));
        s.coinbasePayments().forEach(c -> accounts.add(c.account()));
        carriedIn.forEach(c -> accounts.add(c.account()));
        boolean inCoinbase = s.scheme().paysInCoinbase();
        Optional<Map<String, Long>> coinbase = inCoinbase ? chain.coinbaseOutputs() : Optional.empty();
        if (inCoinbase && coinbase.isEmpty() && nodeAsked) {
            problems.add("the node does not have the block: its coinbase cannot be checked");
        }
        List<Line> lines = new ArrayList<>();
        long paidTotal = 0;
        for (String account : accounts) {
            long want = expected == null ? -1 : expected.creditOf(account);
            long credited = sats(s.credits(), account);
            long paid = inCoinbase ? sats(s.coinbasePayments(), account) : -1;
            long onChain = -1;
            if (expected != null && credited != want) {
                problems.add(account + ": credited " + credited + " sat, the shares give " + want + " sat");
            }
            if (inCoinbase) {
                paidTotal += paid;
                long owed = want + sats(carriedIn, account);
                // Paid in full, not at all (carried), or in part when the coinbase had no more left (Tides#plan)
                if (expected != null && (paid < 0 || paid > owed)) {
                    problems.add(account + ": the ledger says the coinbase paid " + paid + " sat, but it owed " + owed
                            + " sat (earned " + want + " + carried " + sats(carriedIn, account) + ")");
                }
                if (coinbase.isPresent()) {
                    Optional<byte[]> script = scriptOf.apply(account);
                    onChain = script.map(b -> coinbase.get().getOrDefault(Hex.encode(b), 0L)).orElse(0L);
                    boolean poolsOwn = account.equals(poolAddress); // its output also holds the fee
                    if (!poolsOwn && onChain != paid) {
                        problems.add(account + ": the coinbase pays " + onChain + " sat, the ledger says " + paid + " sat");
                    }
                }
            }
            lines.add(new Line(account, want, credited, paid, onChain));
        }
        if (coinbase.isPresent()) {
            long total = coinbase.get().values().stream().mapToLong(Long::longValue).sum();
            if (total != block.rewardSats()) {
                problems.add("the coinbase pays " + total + " sat in all, the block's reward is " + block.rewardSats() + " sat");
            }
        }
        return new Result(block.hash(), block.height(), s.scheme(), s.rewardSats(), lines, problems, gone);
    }

    /**
     * One PPS/FPPS share-credit batch checked: its credits priced again from the pool shares of its id
     * range with the rate and fee the ledger recorded with it (V25), and its place among the other
     * batches (no share in two batches, none between two).
     *
     * @param shares how many pool shares the ledger holds in the batch's range
     * @param lines each account's recomputed ({@code expectedSats}, -1 when not priced) and credited sats
     * @param notPriced present when the batch cannot be priced again, which is not a mismatch: its
     *     shares were compacted, or it was credited before the ledger recorded rates
     */
    public record ShareCreditCheck(PayoutLedger.ShareCreditRecord batch, int shares, List<Line> lines, List<String> problems,
            Optional<String> notPriced) {
        public ShareCreditCheck {
            lines = List.copyOf(lines);
            problems = List.copyOf(problems);
            Objects.requireNonNull(notPriced, "notPriced");
        }

        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /**
     * Checks the selected PPS/FPPS batches. Needs no configuration: every batch carries its own scheme,
     * fee and rate, so a period credited before the operator changed the fee is still checked with
     * the fee it was credited with. Each problem names the batch, and the account or the shares.
     */
    public List<ShareCreditCheck> verifyShareCredits(PayoutLedger.ShareCreditSelection which) {
        ShareRetention.Horizon horizon = payouts.retentionHorizon();
        List<ShareCreditCheck> checks = new ArrayList<>();
        for (PayoutLedger.ShareCreditRecord b : payouts.shareCreditBatches(which)) {
            checks.add(verifyShareCredit(b, horizon));
        }
        return checks;
    }

    private ShareCreditCheck verifyShareCredit(PayoutLedger.ShareCreditRecord b, ShareRetention.Horizon horizon) {
        long previousEnd = payouts.previousShareCredit(b).map(PayoutLedger.ShareCreditRange::toShareId).orElse(0L);
        List<Long> skipped = previousEnd < b.fromShareId()
                ? payouts.poolSharesBetween(previousEnd, b.fromShareId()).stream().map(PayoutLedger.LedgerShare::id).toList()
                : List.of();
        List<String> problems = new ArrayList<>(placementProblems(range(b), payouts.overlappingShareCredits(b), skipped));
        Optional<String> compacted = Optional.empty();
        if (horizon.any() && horizon.maxCompactedId() > b.fromShareId()) {
            compacted = Optional.of("the shares of this batch were compacted into per-worker aggregates (ledger retention:"
                    + " shares up to id " + horizon.maxCompactedId() + "); its credits are shown, not priced again");
        }
        List<WindowShare> shares = new ArrayList<>();
        if (b.pricing().isPresent() && compacted.isEmpty()) {
            for (PayoutLedger.LedgerShare share : payouts.poolSharesBetween(b.fromShareId(), b.toShareId())) {
                shares.add(WindowShare.of(share.share()));
            }
        }
        return checkShareCredit(b, shares, compacted, problems);
    }

    private static String batchName(PayoutLedger.ShareCreditRecord b) {
        return batchName(range(b));
    }

    private static String batchName(PayoutLedger.ShareCreditRange b) {
        return "batch " + b.id() + " (shares " + (b.fromShareId() + 1) + ".." + b.toShareId() + ")";
    }

    private static PayoutLedger.ShareCreditRange range(PayoutLedger.ShareCreditRecord b) {
        return new PayoutLedger.ShareCreditRange(b.id(), b.fromShareId(), b.toShareId());
    }

    /**
     * A batch's place among the others, named: the shares it has in common with each of {@code
     * overlapping} (credited twice) and the pool shares {@code skipped} that lie between the batch
     * before it and it (never credited). The ledger finds both with its own queries; {@link
     * #placementProblems(List, java.util.NavigableSet)} finds them in a list of batches alone.
     *
     * @param skipped ids, ascending
     */
    public static List<String> placementProblems(PayoutLedger.ShareCreditRange b, List<PayoutLedger.ShareCreditRange> overlapping,
            List<Long> skipped) {
        String name = batchName(b);
        List<String> problems = new ArrayList<>();
        for (PayoutLedger.ShareCreditRange other : overlapping) {
            problems.add(name + ": shares " + (Math.max(b.fromShareId(), other.fromShareId()) + 1) + ".."
                    + Math.min(b.toShareId(), other.toShareId()) + " are also in batch " + other.id() + ": credited twice");
        }
        if (!skipped.isEmpty()) {
            problems.add(name + ": " + skipped.size() + " pool share(s) with ids " + skipped.get(0) + ".."
                    + skipped.get(skipped.size() - 1) + " lie between the previous batch and this one: never credited");
        }
        return problems;
    }

    /**
     * {@link #placementProblems(PayoutLedger.ShareCreditRange, List, List)} for each of {@code batches}
     * (in their order) from the list alone, as the ledger's queries define them: another batch
     * overlaps when its range meets this one's; the previous batch is, among those starting below
     * this one, the one ending highest; a batch with no previous one in the list is not checked for
     * a gap (what lies before it is not in the list). For {@code payouts verify --export}.
     *
     * @param poolShareIds the ids of the pool shares the list's holder has (the export's)
     */
    public static List<List<String>> placementProblems(List<PayoutLedger.ShareCreditRange> batches,
            java.util.NavigableSet<Long> poolShareIds) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            PayoutLedger.ShareCreditRange b = batches.get(i);
            List<PayoutLedger.ShareCreditRange> overlapping = new ArrayList<>();
            PayoutLedger.ShareCreditRange previous = null;
            for (int j = 0; j < batches.size(); j++) {
                PayoutLedger.ShareCreditRange o = batches.get(j);
                if (j == i) {
                    continue;
                }
                if (o.fromShareId() < b.toShareId() && o.toShareId() > b.fromShareId()) {
                    overlapping.add(o);
                }
                if (o.fromShareId() < b.fromShareId() && (previous == null || o.toShareId() > previous.toShareId()
                        || (o.toShareId() == previous.toShareId() && o.id() > previous.id()))) {
                    previous = o;
                }
            }
            overlapping.sort(java.util.Comparator.comparingLong(PayoutLedger.ShareCreditRange::fromShareId));
            List<Long> skipped = previous == null || previous.toShareId() >= b.fromShareId() ? List.of()
                    : List.copyOf(poolShareIds.subSet(previous.toShareId(), false, b.fromShareId(), true));
            out.add(placementProblems(b, overlapping, skipped));
        }
        return out;
    }

    /**
     * Prices one PPS/FPPS batch again from {@code shares} (the pool shares of its id range) with the
     * rate and fee it recorded, and names each difference after the {@code found} problems (its place
     * among the other batches). Needs no ledger: {@code payouts verify --export} runs it on an export.
     *
     * @param compacted why the shares are gone, when they are (the batch is then shown, not priced)
     */
    public static ShareCreditCheck checkShareCredit(PayoutLedger.ShareCreditRecord b, List<WindowShare> shares,
            Optional<String> compacted, List<String> found) {
        String name = batchName(b);
        List<String> problems = new ArrayList<>(found);
        Optional<String> notPriced = compacted;
        if (b.pricing().isEmpty()) {
            notPriced = Optional.of("credited before the ledger recorded each batch's rate (migration V25): its credits are"
                    + " shown, not priced again");
        }
        Distribution expected = null;
        if (notPriced.isEmpty()) {
            PayoutLedger.Pricing p = b.pricing().get();
            if (shares.isEmpty()) {
                problems.add(name + ": the ledger holds no pool share in its range, but the batch credits " + b.valueSats() + " sat");
            } else {
                try {
                    expected = p.scheme().creditShares(p.rate(), shares);
                } catch (org.templar.payout.scheme.Pps.BatchTooValuable e) {
                    problems.add(name + ": its shares at the recorded rate are worth more than all bitcoin");
                }
            }
            if (expected != null && (expected.rewardSats() != b.valueSats() || expected.poolSats() != b.poolSats()
                    || expected.donationSats() != b.donationSats())) {
                problems.add(name + ": value/fee/donation: the ledger has " + b.valueSats() + "/" + b.poolSats() + "/"
                        + b.donationSats() + " sat, the shares give " + expected.rewardSats() + "/" + expected.poolSats() + "/"
                        + expected.donationSats() + " sat");
            }
        }
        SortedSet<String> accounts = new TreeSet<>();
        if (expected != null) {
            expected.credits().forEach(c -> accounts.add(c.account()));
        }
        b.credits().forEach(c -> accounts.add(c.account()));
        List<Line> lines = new ArrayList<>();
        for (String account : accounts) {
            long want = expected == null ? -1 : expected.creditOf(account);
            long credited = sats(b.credits(), account);
            if (expected != null && credited != want) {
                problems.add(name + ": " + account + ": credited " + credited + " sat, the shares give " + want + " sat");
            }
            lines.add(new Line(account, want, credited, -1, -1));
        }
        return new ShareCreditCheck(b, notPriced.isEmpty() ? shares.size() : 0, lines, problems, notPriced);
    }

    /**
     * Whether compaction reached a window read from the ledger: it took shares below the window's
     * oldest one (the walk then went on past the compacted ones, or ran out before the window was
     * full). Conservative: a window that starts above every compacted id and is full is whole.
     */
    public static Optional<String> compacted(ShareRetention.Horizon h, List<PayoutLedger.LedgerShare> window,
            org.templar.payout.scheme.ExactWeight needed) {
        if (!h.any()) {
            return Optional.empty();
        }
        if (window.isEmpty() || window.get(0).id() <= h.maxCompactedId()) {
            return Optional.of(goneMessage(h));
        }
        // Full? A double sum decides unless it is within a millionth of the length (then exactly):
        // a BigInteger per share would cost seconds on a million-share window.
        double approx = 0;
        for (PayoutLedger.LedgerShare share : window) {
            approx += share.share().shareDifficulty();
        }
        double length = needed.doubleValue();
        boolean full;
        if (approx > length * (1 + 1e-6)) {
            full = true;
        } else if (approx < length * (1 - 1e-6)) {
            full = false;
        } else {
            org.templar.payout.scheme.ExactWeight have = org.templar.payout.scheme.ExactWeight.ZERO;
            for (PayoutLedger.LedgerShare share : window) {
                have = have.plus(org.templar.payout.scheme.ExactWeight.of(share.share().shareDifficulty()));
            }
            full = have.compareTo(needed) >= 0;
        }
        return full ? Optional.empty() : Optional.of(goneMessage(h));
    }

    public static String goneMessage(ShareRetention.Horizon h) {
        return "the shares of this block's window were compacted into per-worker aggregates (ledger retention: "
                + h.compactedShares() + " shares up to id " + h.maxCompactedId()
                + h.maxCompactedAt().map(t -> ", accepted up to " + t).orElse("")
                + "); its division cannot be recomputed, only its credits and coinbase shown";
    }

    /**
     * The shares the block's division counts, read from the ledger as the credit read them: a TIDES
     * block's window up to its recorded last share, a PPLNS window up to the block's time at its
     * difficulty, a PROP round since the pool's previous block of its chain; none for the others.
     * A window compaction reached adds why to {@code compacted} and gives no shares.
     */
    private List<WindowShare> shares(BlockRecord block, BlockSettlement s, ChainFacts chain,
            Optional<PayoutLedger.PlanInputs> inputs, List<String> compacted) {
        ShareRetention.Horizon horizon = payouts.retentionHorizon();
        List<PayoutLedger.LedgerShare> read;
        org.templar.payout.scheme.ExactWeight length;
        switch (s.scheme()) {
            case TIDES: {
                if (inputs.isEmpty()) {
                    return List.of(); // named by divide
                }
                length = ((Tides) scheme).windowLength(inputs.get().networkDifficulty());
                read = payouts.windowUpToShare(inputs.get().windowLastShareId(), length);
                break;
            }
            case PPLNS: {
                length = ((Pplns) scheme).windowLength(chain.networkDifficulty());
                read = payouts.windowSharesEndingAt(block.foundAt(), length);
                break;
            }
            case PROP: {
                java.time.Instant start = propRoundStart(payouts, block, chain);
                // a round is read by time: compaction reached it when it took a share accepted after its start
                if (horizon.maxCompactedAt().filter(t -> t.isAfter(start)).isPresent()) {
                    compacted.add(goneMessage(horizon));
                    return List.of();
                }
                return payouts.round(start, block.foundAt());
            }
            default:
                return List.of();
        }
        Optional<String> gone = compacted(horizon, read, length);
        if (gone.isPresent()) {
            compacted.add(gone.get());
            return List.of();
        }
        List<WindowShare> window = new ArrayList<>();
        for (PayoutLedger.LedgerShare share : read) {
            window.add(WindowShare.of(share.share()));
        }
        return window;
    }

    /** The block divided again by this verifier's scheme from {@code in}'s shares; null (with the problem named) when it cannot be. */
    private Distribution divide(Inputs in, ChainFacts chain, List<String> problems) {
        BlockRecord block = in.block();
        BlockSettlement s = in.settlement();
        switch (s.scheme()) {
            case TIDES: {
                if (in.plan().isEmpty()) {
                    problems.add("the ledger did not record what this TIDES plan was computed from");
                    return null;
                }
                String finder = poolAddress != null ? poolAddress : block.user();
                return scheme.distribute(new FoundBlock(s.rewardSats(), in.plan().get().networkDifficulty(), finder), in.shares());
            }
            case PPLNS:
            case PROP:
                return scheme.distribute(new FoundBlock(s.rewardSats(), chain.networkDifficulty(), block.user()), in.shares());
            case SOLO:
            case PPS:
            case FPPS:
                // SOLO: the finder's; PPS/FPPS: the shares were paid as they came, so the block is the
                // pool's, and a credit to any miner is a discrepancy like any other
                return scheme.distribute(new FoundBlock(s.rewardSats(), chain.networkDifficulty(), block.user()), List.of());
            default:
                throw new IllegalStateException("no recomputation for " + s.scheme());
        }
    }

    /**
     * Where the PROP round of {@code block} starts, as the tracker found it: at the pool's latest
     * earlier block that is its ancestor. Without the block's ancestry (the node lost it), the
     * ledger's statuses stand in: an earlier block not orphaned.
     */
    public static java.time.Instant propRoundStart(PayoutLedger payouts, BlockRecord block, ChainFacts chain) {
        return payouts.roundStart(block, chain.ancestorAt()
                .<java.util.function.Predicate<BlockRecord>>map(at -> earlier -> at.apply(earlier.height())
                        .filter(earlier.hash()::equalsIgnoreCase).isPresent())
                .orElse(earlier -> earlier.status() != BlockStatus.ORPHANED));
    }

    private static long sats(List<Credit> credits, String account) {
        for (Credit c : credits) {
            if (c.account().equals(account)) {
                return c.sats();
            }
        }
        return 0;
    }
}
