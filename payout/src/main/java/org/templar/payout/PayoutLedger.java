package org.templar.payout;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.templar.payout.scheme.Credit;
import org.templar.payout.scheme.Distribution;
import org.templar.payout.scheme.PayoutScheme.SchemeKind;
import org.templar.payout.scheme.ExactWeight;
import org.templar.payout.scheme.PoolFee;
import org.templar.payout.scheme.Pps;
import org.templar.payout.scheme.Tides;
import org.templar.payout.scheme.WindowEdge;
import org.templar.payout.scheme.WindowShare;
import org.templar.payout.scheme.WindowWeights;

/**
 * Credits, balances, block maturity and payout batches, in the ledger's database.
 *
 * <p>Every step is one transaction and idempotent, so a tracker that crashes half way simply runs
 * the same step again after a restart: crediting a block twice, confirming it twice, orphaning it
 * twice or marking a batch sent twice with the same txid changes nothing the second time. The rows
 * that a step reads are locked ({@code SELECT ... FOR UPDATE}), so two pool instances running the
 * same step at once serialize on the database; the CHECK constraints of V5 refuse a negative balance
 * whatever happens. What a reorganisation deeper than coinbase maturity takes back from credits already
 * paid out is a debt (V27), which later credits pay before anything becomes available.
 */
public final class PayoutLedger {
    /** Coinbase maturity: Core refuses to spend a coinbase output with fewer confirmations. */
    public static final long MATURITY_CONFIRMATIONS = 100;

    private final Ledger ledger;
    /** Whether PPLNS and TIDES windows are asked of the ledger's {@link RollingShareWindow} first. */
    private final boolean rollingWindow;

    public PayoutLedger(Ledger ledger) {
        this(ledger, true);
    }

    private PayoutLedger(Ledger ledger, boolean rollingWindow) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.rollingWindow = rollingWindow;
    }

    /**
     * A payout ledger that reads every window from the database, never from the shares held in
     * memory: an independent recomputation, and what the rolling window is measured against.
     */
    public static PayoutLedger readingTheDatabase(Ledger ledger) {
        return new PayoutLedger(ledger, false);
    }

    /**
     * Starts the rolling window (it otherwise starts on the first window asked for) and waits up to
     * {@code wait} for its first load, sized for windows up to {@code longestWindow}.
     *
     * @return whether it is loaded: windows are answered from memory from now on, where they can be
     */
    public boolean awaitRollingWindow(ExactWeight longestWindow, java.time.Duration wait) throws InterruptedException {
        Objects.requireNonNull(longestWindow, "longestWindow");
        return ledger.shareWindow().awaitLoaded(longestWindow, wait);
    }

    // ---------------------------------------------------------------- blocks

    /**
     * Records how a scheme divided a block the ledger holds, and applies it: the caller (the block
     * tracker) has seen the block in the node's best chain. Custodial schemes credit each
     * account's immature balance. In-coinbase schemes (SOLO here) are taken to have paid every
     * credit in the coinbase itself; TIDES, which may carry, records its plan with
     * {@link #creditCoinbase}.
     *
     * @return true if credited now; false if this very distribution was already recorded
     * @throws IllegalStateException if the block was already settled differently, or was orphaned
     */
    public boolean credit(String blockHash, SchemeKind scheme, Distribution distribution) {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(distribution, "distribution");
        return settle(blockHash, scheme, distribution, scheme.paysInCoinbase() ? distribution.credits() : List.of(),
                true, (c, hash) -> {});
    }

    /**
     * Records a block mined on a TIDES job, HELD: what the window earned ({@code plan.earned()}) and
     * what its coinbase paid ({@code plan.paid()}). Once the block is in the best chain,
     * {@link #confirm} applies it: the difference per account, earned minus paid, is added to (or,
     * when the coinbase paid amounts carried before, taken from) the account's carried balance, and
     * the payments become immature coins. Until then {@link #carriedOnChain} counts it for the plans
     * that build on it and for no other.
     */
    public boolean creditCoinbase(String blockHash, Tides.CoinbasePlan plan) {
        Objects.requireNonNull(plan, "plan");
        return settle(blockHash, SchemeKind.TIDES, plan.earned(), plan.paid(), false, (c, hash) -> {});
    }

    /**
     * Records a block found on a TIDES job (see {@link #creditCoinbase(String, Tides.CoinbasePlan)})
     * together with what its plan was computed from ({@link #coinbasePlanInputs}), so that
     * {@code templar payouts verify} can compute the plan again from the ledger's shares.
     */
    public boolean creditCoinbase(String blockHash, Tides.JobPayout job) {
        Objects.requireNonNull(job, "job");
        for (Credit c : job.carriedIn()) {
            ensureAccount(c.account());
        }
        return settle(blockHash, SchemeKind.TIDES, job.plan().earned(), job.plan().paid(), false, (c, hash) -> {
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE block_settlements SET window_last_share_id = ?, network_difficulty = ?, miner_declared = ?"
                            + " WHERE block_hash = ?")) {
                update.setLong(1, job.windowLastShareId());
                update.setDouble(2, job.networkDifficulty());
                update.setBoolean(3, job.minerDeclared());
                update.setString(4, hash);
                update.executeUpdate();
            }
            insertCredits(c, "coinbase_carried_in", hash, sortedByAccount(job.carriedIn()));
        });
    }

    /** What a TIDES block's plan was computed from, as {@link #creditCoinbase(String, Tides.JobPayout)} recorded it. */
    public record PlanInputs(long windowLastShareId, double networkDifficulty, List<Credit> carriedIn,
            boolean minerDeclared) {
        public PlanInputs(long windowLastShareId, double networkDifficulty, List<Credit> carriedIn) {
            this(windowLastShareId, networkDifficulty, carriedIn, false);
        }
    }

    /** The inputs of a TIDES block's plan; empty for a block settled without them (other schemes). */
    public Optional<PlanInputs> coinbasePlanInputs(String blockHash) {
        String hash = normalize(blockHash);
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection()) {
            long lastShare;
            double difficulty;
            boolean declared;
            try (PreparedStatement q = c.prepareStatement("SELECT window_last_share_id, network_difficulty, miner_declared"
                    + " FROM block_settlements WHERE block_hash = ?")) {
                q.setString(1, hash);
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    lastShare = rs.getLong(1);
                    if (rs.wasNull()) {
                        return Optional.empty();
                    }
                    difficulty = rs.getDouble(2);
                    declared = rs.getBoolean(3);
                }
            }
            List<Credit> carried = new ArrayList<>();
            try (PreparedStatement q = c.prepareStatement(
                    "SELECT account, sats FROM coinbase_carried_in WHERE block_hash = ? ORDER BY account")) {
                q.setString(1, hash);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        carried.add(new Credit(rs.getString(1), rs.getLong(2)));
                    }
                }
            }
            return Optional.of(new PlanInputs(lastShare, difficulty, carried, declared));
        } catch (SQLException e) {
            throw new LedgerException("cannot read the plan inputs of " + hash + ": " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface SettleExtra {
        void run(Connection c, String hash) throws SQLException;
    }

    /** @param apply whether the block is in the best chain (CREDITED), or HELD until it is */
    private boolean settle(String blockHash, SchemeKind scheme, Distribution distribution, List<Credit> payments,
            boolean apply, SettleExtra extra) {
        String hash = normalize(blockHash);
        for (Credit c : distribution.credits()) {
            ensureAccount(c.account());
        }
        for (Credit c : payments) {
            ensureAccount(c.account());
        }
        List<Credit> paid = sortedByAccount(payments);
        return inTransaction("credit block " + hash, c -> {
            BlockStatus status = Ledger.blockStatus(c, hash, true);
            if (status == null) {
                throw new LedgerException("no block " + hash + " in the ledger");
            }
            Optional<BlockSettlement> existing = settlement(c, hash, true);
            if (existing.isPresent()) {
                BlockSettlement s = existing.get();
                if (s.scheme() == scheme && s.rewardSats() == distribution.rewardSats() && s.poolSats() == distribution.poolSats()
                        && s.donationSats() == distribution.donationSats() && s.credits().equals(distribution.credits())
                        && s.coinbasePayments().equals(paid)) {
                    return false;
                }
                throw new IllegalStateException("block " + hash + " is already settled differently: " + s);
            }
            if (status == BlockStatus.ORPHANED || status == BlockStatus.REJECTED) {
                throw new IllegalStateException("block " + hash + " is " + status + ": nothing to credit");
            }
            Instant now = ledger.now();
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO block_settlements (block_hash, scheme, reward_sats, "
                    + "credited_sats, pool_sats, donation_sats, state, confirmations, credited_at, updated_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)")) {
                insert.setString(1, hash);
                insert.setString(2, scheme.name());
                insert.setLong(3, distribution.rewardSats());
                insert.setLong(4, distribution.creditedSats());
                insert.setLong(5, distribution.poolSats());
                insert.setLong(6, distribution.donationSats());
                insert.setString(7, apply ? "CREDITED" : "HELD");
                insert.setObject(8, Ledger.utc(now));
                insert.setObject(9, Ledger.utc(now));
                insert.executeUpdate();
            }
            insertCredits(c, "block_credits", hash, distribution.credits());
            insertCredits(c, "coinbase_payments", hash, paid);
            extra.run(c, hash);
            if (apply) {
                applyImmature(c, scheme, distribution.credits(), paid, 1);
            }
            return true;
        });
    }

    /**
     * Puts an unmatured settlement into the balances ({@code sign} 1) or takes it back out (-1). The
     * coinbase outputs of an in-coinbase scheme are the miners' own immature coins; the rest of what
     * they earned is carried. Each step adds before it takes, so no CHECK sees a passing negative.
     */
    private void applyImmature(Connection c, SchemeKind scheme, List<Credit> credits, List<Credit> paid, int sign)
            throws SQLException {
        if (!scheme.paysInCoinbase()) {
            adjust(c, "immature_sats", credits, sign);
        } else if (sign > 0) {
            adjust(c, "immature_sats", paid, 1);
            adjust(c, "carried_sats", credits, 1);
            adjust(c, "carried_sats", paid, -1);
        } else {
            adjust(c, "immature_sats", paid, -1);
            adjust(c, "carried_sats", paid, 1);
            adjust(c, "carried_sats", credits, -1);
        }
    }

    /** Moves a settlement to another state; reversed_at follows: set when REVERSED, cleared when applied again. */
    private void setSettlementState(Connection c, String hash, BlockSettlement.State state) throws SQLException {
        Instant now = ledger.now();
        try (PreparedStatement mark = c.prepareStatement("UPDATE block_credits SET reversed_at = ? WHERE block_hash = ?");
                PreparedStatement update = c.prepareStatement(
                        "UPDATE block_settlements SET state = ?, updated_at = ? WHERE block_hash = ?")) {
            if (state == BlockSettlement.State.REVERSED) {
                mark.setObject(1, Ledger.utc(now));
            } else {
                mark.setNull(1, java.sql.Types.TIMESTAMP_WITH_TIMEZONE);
            }
            mark.setString(2, hash);
            mark.executeUpdate();
            update.setString(1, state.name());
            update.setObject(2, Ledger.utc(now));
            update.setString(3, hash);
            update.executeUpdate();
        }
    }

    private static void insertCredits(Connection c, String table, String hash, List<Credit> credits) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " (block_hash, account, sats) VALUES (?, ?, ?)")) {
            for (Credit credit : credits) {
                insert.setString(1, hash);
                insert.setString(2, credit.account());
                insert.setLong(3, credit.sats());
                insert.addBatch();
            }
            if (!credits.isEmpty()) {
                insert.executeBatch();
            }
        }
    }

    /**
     * Adds {@code sign ×} each credit to one balance column. Columns are constants of this class, never
     * input. The available balance nets with the debt (V27): what it cannot give becomes debt, and what
     * it receives pays the debt first (both right-hand sides read the row as it was).
     */
    private void adjust(Connection c, String column, List<Credit> credits, int sign) throws SQLException {
        boolean available = column.equals("available_sats");
        String set = available
                ? "available_sats = GREATEST(available_sats - debt_sats + ?, 0), debt_sats = GREATEST(debt_sats - available_sats - ?, 0)"
                : column + " = " + column + " + ?";
        try (PreparedStatement update = c.prepareStatement("UPDATE balances SET " + set + ", updated_at = ? WHERE account = ?")) {
            for (Credit credit : credits) {
                int p = 1;
                update.setLong(p++, sign * credit.sats());
                if (available) {
                    update.setLong(p++, sign * credit.sats());
                }
                update.setObject(p++, Ledger.utc(ledger.now()));
                update.setString(p, credit.account());
                update.addBatch();
            }
            if (!credits.isEmpty()) {
                update.executeBatch();
            }
        }
    }

    private static List<Credit> sortedByAccount(List<Credit> credits) {
        List<Credit> sorted = new ArrayList<>(credits);
        sorted.sort(java.util.Comparator.comparing(Credit::account));
        return List.copyOf(sorted);
    }

    /**
     * The carry a TIDES plan for a block on top of the node's best chain at {@code parentHeight}
     * starts from: {@link #carried()}, which holds the settlements applied so far, less the applied
     * TIDES blocks that are not on that chain and plus the HELD or REVERSED ones that are. So a plan
     * counts exactly the blocks of the chain it builds on, whatever the tracker has done yet: a block
     * just solved (HELD until the tracker sees it), a stale sibling (HELD), a block a reorganisation
     * took off or brought back. The block tracker applies and reverses along the same chain, so what
     * it applies agrees with what each block's plan started from.
     *
     * @param onChain whether the node's best chain holds the block (consulted only for blocks at or
     *     below {@code parentHeight} whose settlement is not MATURE, newer than coinbase maturity, and
     *     whose height has no block on the chain yet: getblockheader confirmations >= 1)
     * @return sorted by account; accounts owed nothing are left out
     */
    public List<Credit> carriedOnChain(long parentHeight, java.util.function.Predicate<BlockRecord> onChain) {
        Objects.requireNonNull(onChain, "onChain");
        List<String> on = new ArrayList<>();
        List<String> off = new ArrayList<>();
        // A chain holds one block per height: once one is on it, its siblings are not, unasked. The
        // ACCEPTED one is asked first, so a height with many stale solves costs one question.
        java.util.Set<Long> heightsOnChain = new java.util.HashSet<>();
        List<BlockRecord> candidates = new ArrayList<>(unmaturedTidesBlocks(parentHeight - MATURITY_CONFIRMATIONS));
        candidates.sort(java.util.Comparator.comparingLong(BlockRecord::height)
                .thenComparing(block -> block.status() != BlockStatus.ACCEPTED));
        for (BlockRecord block : candidates) {
            boolean isOn = block.height() <= parentHeight && !heightsOnChain.contains(block.height()) && onChain.test(block);
            if (isOn) {
                heightsOnChain.add(block.height());
            }
            (isOn ? on : off).add(block.hash());
        }
        // One statement, so the balances and the settlement states it reads are of one moment: the
        // tracker may apply or reverse a block meanwhile, and must not be counted half.
        String in = " JOIN block_settlements s ON s.block_hash = x.block_hash WHERE s.state IN ";
        String notApplied = "('HELD', 'REVERSED') AND x.block_hash IN " + placeholders(on.size());
        String applied = "('CREDITED') AND x.block_hash IN " + placeholders(off.size());
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT account, SUM(sats) FROM ("
                        + " SELECT account, carried_sats AS sats FROM balances WHERE carried_sats <> 0"
                        + " UNION ALL SELECT x.account, x.sats AS sats FROM block_credits x" + in + notApplied
                        + " UNION ALL SELECT x.account, -x.sats AS sats FROM coinbase_payments x" + in + notApplied
                        + " UNION ALL SELECT x.account, -x.sats AS sats FROM block_credits x" + in + applied
                        + " UNION ALL SELECT x.account, x.sats AS sats FROM coinbase_payments x" + in + applied
                        + ") t GROUP BY account HAVING SUM(sats) > 0 ORDER BY account")) {
            int i = 1;
            for (List<String> hashes : List.of(on, on, off, off)) {
                for (String hash : hashes) {
                    q.setString(i++, hash);
                }
            }
            return readCredits(q);
        } catch (SQLException e) {
            throw new LedgerException("cannot read carried balances: " + e.getMessage(), e);
        }
    }

    /** {@code (?, ?, ...)} for n values; {@code (NULL)}, which nothing is IN, for none. */
    private static String placeholders(int n) {
        return n == 0 ? "(NULL)" : "(" + String.join(", ", java.util.Collections.nCopies(n, "?")) + ")";
    }

    /** TIDES blocks above {@code aboveHeight} whose settlement is not MATURE. */
    private List<BlockRecord> unmaturedTidesBlocks(long aboveHeight) {
        return blocksWhere("height > ? AND block_hash IN (SELECT block_hash FROM block_settlements"
                + " WHERE scheme = 'TIDES' AND state <> 'MATURE')", aboveHeight, "the unmatured TIDES blocks");
    }

    /** The blocks matching {@code condition} (one long parameter), lowest first. */
    private List<BlockRecord> blocksWhere(String condition, long parameter, String what) {
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT " + Ledger.BLOCK_COLUMNS + " FROM blocks WHERE "
                        + condition + " ORDER BY height, id")) {
            q.setLong(1, parameter);
            List<BlockRecord> blocks = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    blocks.add(Ledger.readBlock(rs));
                }
            }
            return blocks;
        } catch (SQLException e) {
            throw new LedgerException("cannot read " + what + ": " + e.getMessage(), e);
        }
    }

    /**
     * What the pool owes in-coinbase miners from earlier blocks, sorted by account: the carry the
     * next TIDES plan starts from.
     */
    public List<Credit> carried() {
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement(
                        "SELECT account, carried_sats FROM balances WHERE carried_sats > 0 ORDER BY account")) {
            return readCredits(q);
        } catch (SQLException e) {
            throw new LedgerException("cannot read carried balances: " + e.getMessage(), e);
        }
    }

    /** The (account, sats) rows a query answers, in its order. */
    private static List<Credit> readCredits(PreparedStatement q) throws SQLException {
        List<Credit> credits = new ArrayList<>();
        try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                credits.add(new Credit(rs.getString(1), rs.getLong(2)));
            }
        }
        return credits;
    }

    /**
     * What the node says of a block in its best chain: {@code confirmations} (Core's
     * {@code getblockheader} field, >= 1). The block becomes ACCEPTED (from STALE, REJECTED or
     * ORPHANED too: the chain is the final word) and a HELD or REVERSED settlement is applied; at 100
     * it becomes MATURE and its credits available (custodial schemes) or its coinbase payments paid
     * (in-coinbase schemes). Repeating a call, or calling with fewer confirmations than before,
     * changes nothing. A tracker confirms blocks in ascending height, the order in which they joined
     * the chain (a TIDES block's coinbase may pay what an earlier block carried).
     *
     * @return the settlement as it now stands, empty if the block was never credited
     */
    public Optional<BlockSettlement> confirm(String blockHash, long confirmations) {
        if (confirmations < 1) {
            throw new IllegalArgumentException("a block in the best chain has at least 1 confirmation: " + confirmations);
        }
        String hash = normalize(blockHash);
        inTransaction("confirm block " + hash, c -> {
            BlockStatus status = Ledger.blockStatus(c, hash, true);
            if (status == null) {
                throw new LedgerException("no block " + hash + " in the ledger");
            }
            boolean mature = confirmations >= MATURITY_CONFIRMATIONS;
            if (status != BlockStatus.ACCEPTED && status != BlockStatus.MATURE) {
                moveBlock(c, hash, status, BlockStatus.ACCEPTED, "in the best chain, " + confirmations + " confirmations");
                status = BlockStatus.ACCEPTED;
            }
            if (mature && status == BlockStatus.ACCEPTED) {
                moveBlock(c, hash, status, BlockStatus.MATURE, confirmations + " confirmations");
            }
            Optional<BlockSettlement> settlement = settlement(c, hash, true);
            if (settlement.isEmpty() || settlement.get().state() == BlockSettlement.State.MATURE) {
                return null;
            }
            BlockSettlement s = settlement.get();
            if (!s.state().applied()) {
                applyImmature(c, s.scheme(), s.credits(), s.coinbasePayments(), 1);
                setSettlementState(c, hash, BlockSettlement.State.CREDITED);
            }
            if (mature) {
                if (s.scheme().paysInCoinbase()) {
                    adjust(c, "immature_sats", s.coinbasePayments(), -1);
                    adjust(c, "paid_sats", s.coinbasePayments(), 1);
                } else {
                    adjust(c, "immature_sats", s.credits(), -1);
                    adjust(c, "available_sats", s.credits(), 1);
                }
            }
            try (PreparedStatement update = c.prepareStatement("UPDATE block_settlements SET state = ?, "
                    + "confirmations = CASE WHEN confirmations > ? THEN confirmations ELSE ? END, updated_at = ? WHERE block_hash = ?")) {
                update.setString(1, mature ? "MATURE" : "CREDITED");
                update.setLong(2, confirmations);
                update.setLong(3, confirmations);
                update.setObject(4, Ledger.utc(ledger.now()));
                update.setString(5, hash);
                update.executeUpdate();
            }
            return null;
        });
        return settlement(hash);
    }

    /**
     * The block left the node's best chain, which may still come back to it: an ACCEPTED block becomes
     * STALE and an applied settlement is reversed (the rows kept and marked), so balances and carries
     * hold only blocks of the best chain. Idempotent. A tracker takes blocks off from the highest down
     * (a block's coinbase may have paid what an earlier one carried). A MATURE block, which only a
     * reorganisation deeper than coinbase maturity takes off, becomes STALE too: see {@link #orphan}
     * for how its credits are taken back.
     */
    public void leaveChain(String blockHash, String reason) {
        String hash = normalize(blockHash);
        inTransaction("take block " + hash + " off the chain", c -> {
            BlockStatus status = existingStatus(c, hash);
            if (status == BlockStatus.ACCEPTED || status == BlockStatus.MATURE) {
                moveBlock(c, hash, status, BlockStatus.STALE, reason);
            }
            Optional<BlockSettlement> settlement = settlement(c, hash, true);
            if (settlement.isPresent() && settlement.get().state().applied()) {
                reverse(c, settlement.get());
            }
            return null;
        });
    }

    /**
     * The chain has gone past the block without it (or a stale block's branch lost): it becomes
     * ORPHANED, an applied settlement is reversed and a HELD one marked REVERSED, the rows kept.
     * Idempotent. For in-coinbase schemes the carried balances are restored to what they were before
     * the block, so a tracker orphans blocks from the highest down.
     *
     * <p>A MATURE block (a reorganisation deeper than coinbase maturity) is orphaned the same way, its
     * settlement REVERSED; its credits had moved on, so they are taken back from where they went.
     * Custodial schemes: from the available balance, which goes below zero (a debt that later credits
     * pay first) when the miner was already paid. In-coinbase schemes: the coinbase that paid the
     * miners no longer exists, so what it paid leaves the paid balance and is owed again as a carry,
     * while what the block itself carried forward goes, as for any orphaned block: it earned nothing.
     * If the block comes back, {@link #confirm} applies it again, once.
     */
    public void orphan(String blockHash, String reason) {
        String hash = normalize(blockHash);
        inTransaction("orphan block " + hash, c -> {
            BlockStatus status = existingStatus(c, hash);
            // A REJECTED block keeps its status: it was never in a chain. Only a TIDES block is
            // recorded before the verdict (at its solve, see creditCoinbase), so only it comes here.
            if (status != BlockStatus.ORPHANED && status != BlockStatus.REJECTED) {
                moveBlock(c, hash, status, BlockStatus.ORPHANED, reason);
            }
            Optional<BlockSettlement> settlement = settlement(c, hash, true);
            if (settlement.isEmpty() || settlement.get().state() == BlockSettlement.State.REVERSED) {
                return null;
            }
            if (settlement.get().state().applied()) {
                reverse(c, settlement.get());
            } else {
                setSettlementState(c, hash, BlockSettlement.State.REVERSED);
            }
            return null;
        });
    }

    private static BlockStatus existingStatus(Connection c, String hash) throws SQLException {
        BlockStatus status = Ledger.blockStatus(c, hash, true);
        if (status == null) {
            throw new LedgerException("no block " + hash + " in the ledger");
        }
        return status;
    }

    /** Takes an applied settlement out of the balances, from wherever its state put it (see {@link #orphan}). */
    private void reverse(Connection c, BlockSettlement s) throws SQLException {
        if (s.state() != BlockSettlement.State.MATURE) {
            applyImmature(c, s.scheme(), s.credits(), s.coinbasePayments(), -1);
        } else if (!s.scheme().paysInCoinbase()) {
            adjust(c, "available_sats", s.credits(), -1); // what available no longer holds becomes a debt
        } else {
            // adds before it takes, as applyImmature: no CHECK sees a passing negative
            adjust(c, "carried_sats", s.coinbasePayments(), 1);
            adjust(c, "paid_sats", s.coinbasePayments(), -1);
            // What the block carried forward goes, but a block of the new chain may already have paid
            // it out (its plan was made before the tracker saw the reorganisation): what is paid on
            // chain cannot be taken back, so the carry stops at zero rather than stop the tracker.
            try (PreparedStatement take = c.prepareStatement(
                    "UPDATE balances SET carried_sats = GREATEST(carried_sats - ?, 0), updated_at = ? WHERE account = ?")) {
                for (Credit credit : s.credits()) {
                    take.setLong(1, credit.sats());
                    take.setObject(2, Ledger.utc(ledger.now()));
                    take.setString(3, credit.account());
                    take.executeUpdate();
                }
            }
        }
        setSettlementState(c, s.blockHash(), BlockSettlement.State.REVERSED);
    }

    private void moveBlock(Connection c, String hash, BlockStatus from, BlockStatus to, String reason) throws SQLException {
        if (!from.canMoveTo(to)) {
            throw new IllegalStateException("block " + hash + " cannot go from " + from + " to " + to);
        }
        Instant now = ledger.now();
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE blocks SET status = ?, reason = ?, updated_at = ? WHERE block_hash = ?")) {
            update.setString(1, to.name());
            update.setString(2, reason);
            update.setObject(3, Ledger.utc(now));
            update.setString(4, hash);
            update.executeUpdate();
        }
        Ledger.insertHistory(c, hash, to, reason, now);
    }

    public Optional<BlockSettlement> settlement(String blockHash) {
        String hash = normalize(blockHash);
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection()) {
            return settlement(c, hash, false);
        } catch (SQLException e) {
            throw new LedgerException("cannot read the settlement of " + hash + ": " + e.getMessage(), e);
        }
    }

    private static Optional<BlockSettlement> settlement(Connection c, String hash, boolean forUpdate) throws SQLException {
        SchemeKind scheme;
        long reward;
        long pool;
        long donation;
        BlockSettlement.State state;
        long confirmations;
        try (PreparedStatement q = c.prepareStatement("SELECT scheme, reward_sats, pool_sats, donation_sats, state, confirmations "
                + "FROM block_settlements WHERE block_hash = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            q.setString(1, hash);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                scheme = SchemeKind.valueOf(rs.getString(1));
                reward = rs.getLong(2);
                pool = rs.getLong(3);
                donation = rs.getLong(4);
                state = BlockSettlement.State.valueOf(rs.getString(5));
                confirmations = rs.getLong(6);
            }
        }
        List<Credit> credits = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement("SELECT account, sats FROM block_credits WHERE block_hash = ? ORDER BY account")) {
            q.setString(1, hash);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    credits.add(new Credit(rs.getString(1), rs.getLong(2)));
                }
            }
        }
        List<Credit> payments = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement("SELECT account, sats FROM coinbase_payments WHERE block_hash = ? ORDER BY account")) {
            q.setString(1, hash);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    payments.add(new Credit(rs.getString(1), rs.getLong(2)));
                }
            }
        }
        return Optional.of(new BlockSettlement(hash, scheme, reward, pool, donation, state, confirmations, credits, payments));
    }

    // ---------------------------------------------------------------- PPS / FPPS

    /** One PPS/FPPS crediting: the shares it covered and how their value was divided. */
    public record ShareCreditBatch(long fromShareId, long toShareId, int shares, Distribution distribution) {}

    /**
     * Credits the pool-mode shares recorded since the last PPS/FPPS batch (at most
     * {@code maxShares}, and only shares older than {@code settledBefore}: on several instances a
     * share with a lower id can commit after a higher one, and a batch must not step over it). The
     * credits are available at once: under PPS the pool, not the miner, waits for blocks.
     *
     * @return the batch, or empty when no share is waiting
     * @throws LedgerException if another instance credited the same shares first (nothing changed)
     */
    public Optional<ShareCreditBatch> creditShares(Pps pps, Pps.Rate rate, int maxShares, Instant settledBefore) {
        Objects.requireNonNull(pps, "pps");
        Objects.requireNonNull(rate, "rate");
        Objects.requireNonNull(settledBefore, "settledBefore");
        if (maxShares < 1) {
            throw new IllegalArgumentException("maxShares must be positive: " + maxShares);
        }
        // First pass, outside the transaction: open balance rows for every account in the batch.
        long from = lastCreditedShareId();
        Pending pending = readPending(from, maxShares, settledBefore);
        if (pending.shares().isEmpty()) {
            return Optional.empty();
        }
        for (WindowShare share : pending.shares()) {
            ensureAccount(share.account());
        }
        Distribution d = pps.creditShares(rate, pending.shares());
        inTransaction("credit shares after " + from, c -> {
            long batchId;
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO share_credit_batches (scheme, from_share_id, "
                    + "to_share_id, value_sats, credited_sats, pool_sats, donation_sats, credited_at, subsidy_sats, "
                    + "network_difficulty, fee_blocks, fees_sats, fee_ppm, donation_ppm) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                insert.setString(1, pps.kind().name());
                insert.setLong(2, from);
                insert.setLong(3, pending.lastId());
                insert.setLong(4, d.rewardSats());
                insert.setLong(5, d.creditedSats());
                insert.setLong(6, d.poolSats());
                insert.setLong(7, d.donationSats());
                insert.setObject(8, Ledger.utc(ledger.now()));
                // what the value was priced with: the batch can be priced again from its shares (V25)
                insert.setLong(9, rate.subsidySats());
                insert.setDouble(10, rate.networkDifficulty());
                insert.setInt(11, pps.fullPay() ? rate.feeBlocks() : 0);
                insert.setLong(12, pps.fullPay() ? rate.feesSats() : 0);
                insert.setLong(13, pps.fee().feePpm());
                insert.setLong(14, pps.fee().donationPpm());
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    keys.next();
                    batchId = keys.getLong(1);
                }
            }
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO share_credits (batch_id, account, sats) VALUES (?, ?, ?)")) {
                for (Credit credit : d.credits()) {
                    insert.setLong(1, batchId);
                    insert.setString(2, credit.account());
                    insert.setLong(3, credit.sats());
                    insert.addBatch();
                }
                if (!d.credits().isEmpty()) {
                    insert.executeBatch();
                }
            }
            adjust(c, "available_sats", d.credits(), 1);
            return null;
        });
        return Optional.of(new ShareCreditBatch(from, pending.lastId(), pending.shares().size(), d));
    }

    private record Pending(List<WindowShare> shares, long lastId) {}

    private long lastCreditedShareId() {
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT COALESCE(MAX(to_share_id), 0) FROM share_credit_batches");
                ResultSet rs = q.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new LedgerException("cannot read the last credited share: " + e.getMessage(), e);
        }
    }

    /**
     * The pool shares after {@code after}, in id order, up to the first one not yet settled: a batch
     * is then exactly the pool shares of its id range, which is what {@code payouts verify} prices
     * again. (Skipping a young share and taking older-timed ones with higher ids would leave it
     * below the next batch's start, never credited.)
     */
    private Pending readPending(long after, int maxShares, Instant settledBefore) {
        List<WindowShare> shares = new ArrayList<>();
        long last = after;
        for (LedgerShare share : poolShares(after, Long.MAX_VALUE, maxShares)) {
            if (!share.share().time().isBefore(settledBefore)) {
                break;
            }
            shares.add(WindowShare.of(share.share()));
            last = share.id();
        }
        return new Pending(shares, last);
    }

    /**
     * A PPS/FPPS batch as the ledger holds it. {@code pricing} is what its value was computed with
     * (V25); empty for a batch credited before the ledger recorded it.
     */
    public record ShareCreditRecord(long id, SchemeKind scheme, long fromShareId, long toShareId, Instant creditedAt,
            Optional<Pricing> pricing, long valueSats, long creditedSats, long poolSats, long donationSats,
            List<Credit> credits) {
        public ShareCreditRecord {
            Objects.requireNonNull(pricing, "pricing");
            credits = List.copyOf(credits);
        }
    }

    /** The scheme (with its fee) and the rate a batch was priced with: with its shares, all its credit depends on. */
    public record Pricing(Pps scheme, Pps.Rate rate) {}

    /** Which batches: one by id, those credited in {@code [from, to)}, or the newest {@code limit}. */
    public record ShareCreditSelection(Optional<Long> batchId, Optional<Instant> from, Optional<Instant> to, int limit) {
        public static ShareCreditSelection batch(long id) {
            return new ShareCreditSelection(Optional.of(id), Optional.empty(), Optional.empty(), 1);
        }

        public static ShareCreditSelection period(Instant from, Instant to, int limit) {
            return new ShareCreditSelection(Optional.empty(), Optional.of(from), Optional.of(to), limit);
        }

        public static ShareCreditSelection newest(int limit) {
            return new ShareCreditSelection(Optional.empty(), Optional.empty(), Optional.empty(), limit);
        }
    }

    private static final String BATCH_COLUMNS = "id, scheme, from_share_id, to_share_id, credited_at, value_sats, "
            + "credited_sats, pool_sats, donation_sats, subsidy_sats, network_difficulty, fee_blocks, fees_sats, fee_ppm, donation_ppm";

    /** The selected share-credit batches with their credits, lowest share range first (at most {@code limit}, the newest). */
    public List<ShareCreditRecord> shareCreditBatches(ShareCreditSelection which) {
        Objects.requireNonNull(which, "which");
        String where = which.batchId().isPresent() ? "WHERE id = ?"
                : which.from().isPresent() ? "WHERE credited_at >= ? AND credited_at < ?" : "";
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT " + BATCH_COLUMNS + " FROM share_credit_batches " + where
                        + " ORDER BY from_share_id DESC FETCH FIRST ? ROWS ONLY");
                PreparedStatement items = c.prepareStatement("SELECT account, sats FROM share_credits WHERE batch_id = ? ORDER BY account")) {
            int p = 1;
            if (which.batchId().isPresent()) {
                q.setLong(p++, which.batchId().get());
            } else if (which.from().isPresent()) {
                q.setObject(p++, Ledger.utc(which.from().get()));
                q.setObject(p++, Ledger.utc(which.to().orElseThrow()));
            }
            q.setInt(p, which.limit());
            List<ShareCreditRecord> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(0, readBatch(rs, items));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new LedgerException("cannot read share-credit batches: " + e.getMessage(), e);
        }
    }

    private static ShareCreditRecord readBatch(ResultSet rs, PreparedStatement items) throws SQLException {
        long id = rs.getLong(1);
        SchemeKind scheme = SchemeKind.valueOf(rs.getString(2).trim());
        Optional<Pricing> pricing = Optional.empty();
        long subsidy = rs.getLong(10);
        if (!rs.wasNull()) {
            // the CHECK of V25 keeps the six columns all set or all NULL
            Pps.Rate rate = new Pps.Rate(subsidy, rs.getDouble(11), rs.getInt(12), rs.getLong(13));
            pricing = Optional.of(new Pricing(new Pps(new PoolFee(rs.getLong(14), rs.getLong(15)), scheme == SchemeKind.FPPS), rate));
        }
        List<Credit> credits = new ArrayList<>();
        items.setLong(1, id);
        try (ResultSet i = items.executeQuery()) {
            while (i.next()) {
                credits.add(new Credit(i.getString(1), i.getLong(2)));
            }
        }
        return new ShareCreditRecord(id, scheme, rs.getLong(3), rs.getLong(4), Ledger.instant(rs, 5), pricing, rs.getLong(6),
                rs.getLong(7), rs.getLong(8), rs.getLong(9), credits);
    }

    /** A batch's share range alone: how batches lie next to each other. */
    public record ShareCreditRange(long id, long fromShareId, long toShareId) {}

    /** Other batches whose share range meets {@code (fromShareId, toShareId]}: each such share was credited twice. */
    public List<ShareCreditRange> overlappingShareCredits(ShareCreditRecord batch) {
        return ranges("WHERE from_share_id < ? AND to_share_id > ? AND id <> ? ORDER BY from_share_id", q -> {
            q.setLong(1, batch.toShareId());
            q.setLong(2, batch.fromShareId());
            q.setLong(3, batch.id());
        });
    }

    /** The batch whose range ends highest among those starting below {@code batch}'s: its predecessor. */
    public Optional<ShareCreditRange> previousShareCredit(ShareCreditRecord batch) {
        return ranges("WHERE from_share_id < ? ORDER BY to_share_id DESC, id DESC FETCH FIRST 1 ROWS ONLY",
                q -> q.setLong(1, batch.fromShareId())).stream().findFirst();
    }

    private interface Binder {
        void bind(PreparedStatement q) throws SQLException;
    }

    private List<ShareCreditRange> ranges(String condition, Binder binder) {
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT id, from_share_id, to_share_id FROM share_credit_batches " + condition)) {
            binder.bind(q);
            List<ShareCreditRange> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new ShareCreditRange(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new LedgerException("cannot read share-credit ranges: " + e.getMessage(), e);
        }
    }

    /** The pool-mode shares with ids in {@code (afterId, upToId]}, in id order: what a batch of that range prices. */
    public List<LedgerShare> poolSharesBetween(long afterId, long upToId) {
        return poolShares(afterId, upToId, Integer.MAX_VALUE);
    }

    private List<LedgerShare> poolShares(long afterId, long upToId, int limit) {
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT " + Ledger.SHARE_COLUMNS + ", id FROM shares "
                        + "WHERE id > ? AND id <= ? AND payout_mode = 'pool' ORDER BY id FETCH FIRST ? ROWS ONLY")) {
            q.setLong(1, afterId);
            q.setLong(2, upToId);
            q.setInt(3, limit);
            List<LedgerShare> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    // id by name: the share columns before it grow with the schema
                    out.add(new LedgerShare(rs.getLong("id"), Ledger.readShare(rs)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new LedgerException("cannot read shares " + afterId + ".." + upToId + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- what schemes read

    /**
     * The fees (coinbase value less subsidy) of the pool's latest {@code count} blocks in the best
     * chain, newest first: FPPS's fee estimate.
     */
    public List<Long> recentBlockFees(int count, java.util.function.LongUnaryOperator subsidyAtHeight) {
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT height, reward_sats FROM blocks "
                        + "WHERE status IN ('ACCEPTED', 'MATURE') ORDER BY height DESC FETCH FIRST ? ROWS ONLY")) {
            q.setInt(1, count);
            List<Long> fees = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    fees.add(Math.max(0, rs.getLong(2) - subsidyAtHeight.applyAsLong(rs.getLong(1))));
                }
            }
            return fees;
        } catch (SQLException e) {
            throw new LedgerException("cannot read recent block fees: " + e.getMessage(), e);
        }
    }

    /** The block as the ledger records it now. */
    public Optional<BlockRecord> block(String blockHash) {
        return ledger.blockByHash(blockHash);
    }

    /**
     * Blocks whose fate the chain has not settled yet, lowest first: what a tracker follows. ORPHANED
     * blocks at {@code orphanedFrom} or above are among them, since a reorganisation may still bring
     * them back into the best chain.
     */
    public List<BlockRecord> blocksToFollow(long orphanedFrom) {
        return blocksWhere("status IN ('SUBMITTED', 'STALE', 'REJECTED', 'ACCEPTED')"
                + " OR (status = 'ORPHANED' AND height >= ?)", orphanedFrom, "the blocks to follow");
    }

    /**
     * The blocks only a reorganisation deeper than coinbase maturity can move, above {@code aboveHeight},
     * lowest first: MATURE ones (which it would take off the chain) and ORPHANED ones that had matured
     * before (which it could bring back). What a tracker checks now and then, not at every poll.
     */
    public List<BlockRecord> deepBlocksToFollow(long aboveHeight) {
        return blocksWhere("height > ? AND (status = 'MATURE' OR (status = 'ORPHANED' AND block_hash IN"
                + " (SELECT block_hash FROM block_status_history WHERE status = 'MATURE')))", aboveHeight,
                "the mature blocks to follow");
    }

    /**
     * The newest pool-mode shares accepted at or before {@code upTo} whose difficulty adds up to at
     * least {@code needed} (fewer if the ledger holds fewer), oldest first: the input of PPLNS
     * and TIDES windows, which cut the oldest share exactly themselves. Read newest first in pages,
     * so a window costs what it holds, not the whole table.
     */
    public List<WindowShare> windowEndingAt(Instant upTo, ExactWeight needed) {
        List<WindowShare> window = new ArrayList<>();
        for (LedgerShare s : windowSharesEndingAt(upTo, needed)) {
            window.add(WindowShare.of(s.share()));
        }
        return window;
    }

    /** As {@link #windowEndingAt}, with each share's ledger id (to tell a window compaction reached). */
    public List<LedgerShare> windowSharesEndingAt(Instant upTo, ExactWeight needed) {
        Objects.requireNonNull(upTo, "upTo");
        Objects.requireNonNull(needed, "needed");
        List<LedgerShare> newestFirst = new ArrayList<>();
        ExactWeight have = ExactWeight.ZERO;
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT " + Ledger.SHARE_COLUMNS + ", id FROM shares "
                        + "WHERE payout_mode = 'pool' AND submitted_at <= ? AND id < ? ORDER BY id DESC FETCH FIRST 10000 ROWS ONLY")) {
            long before = Long.MAX_VALUE;
            while (have.compareTo(needed) < 0) {
                q.setObject(1, Ledger.utc(upTo));
                q.setLong(2, before);
                int rows = 0;
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next() && have.compareTo(needed) < 0) {
                        ShareRecord share = Ledger.readShare(rs);
                        before = rs.getLong("id");
                        newestFirst.add(new LedgerShare(before, share));
                        have = have.plus(ExactWeight.of(share.shareDifficulty()));
                        rows++;
                    }
                }
                if (rows == 0) {
                    break;
                }
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot read the share window: " + e.getMessage(), e);
        }
        java.util.Collections.reverse(newestFirst);
        return newestFirst;
    }

    /** How far share compaction reached ({@link ShareRetention}): what {@code payouts verify} can no longer divide. */
    public ShareRetention.Horizon retentionHorizon() {
        return ShareRetention.horizon(ledger);
    }

    /**
     * The ledger id of the newest pool-mode share, 0 when there is none: where a TIDES window ends.
     * The rolling window answers once loaded (H2 scans the table for it).
     */
    public long lastPoolShareId() {
        if (rollingWindow) {
            java.util.OptionalLong held = ledger.shareWindow().newestPoolShareId();
            if (held.isPresent()) {
                return held.getAsLong();
            }
        }
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT COALESCE(MAX(id), 0) FROM shares WHERE payout_mode = 'pool'");
                ResultSet rs = q.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new LedgerException("cannot read the last share: " + e.getMessage(), e);
        }
    }

    /** One share as the ledger holds it, with its id: what {@code templar payouts export} lists. */
    public record LedgerShare(long id, ShareRecord share) {}

    /**
     * The newest pool-mode shares with ids at or below {@code lastShareId} whose difficulty adds up to
     * at least {@code needed}, oldest first, with their ids: a TIDES window as its plan saw it.
     */
    public List<LedgerShare> windowUpToShare(long lastShareId, ExactWeight needed) {
        Objects.requireNonNull(needed, "needed");
        List<LedgerShare> newestFirst = new ArrayList<>();
        ExactWeight have = ExactWeight.ZERO;
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT " + Ledger.SHARE_COLUMNS + ", id FROM shares "
                        + "WHERE payout_mode = 'pool' AND id <= ? ORDER BY id DESC FETCH FIRST 10000 ROWS ONLY")) {
            long upTo = lastShareId;
            while (have.compareTo(needed) < 0) {
                q.setLong(1, upTo);
                int rows = 0;
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next() && have.compareTo(needed) < 0) {
                        ShareRecord share = Ledger.readShare(rs);
                        long id = rs.getLong("id");
                        newestFirst.add(new LedgerShare(id, share));
                        have = have.plus(ExactWeight.of(share.shareDifficulty()));
                        upTo = id - 1;
                        rows++;
                    }
                }
                if (rows == 0) {
                    break;
                }
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot read the share window: " + e.getMessage(), e);
        }
        java.util.Collections.reverse(newestFirst);
        return newestFirst;
    }

    /**
     * The window {@link #windowEndingAt} reads, as the exact weight of each account, summed in the
     * database: what {@link BlockTracker} divides for a PPLNS block. {@code length} is the window
     * length ({@link org.templar.payout.scheme.Pplns#windowLength}); the result equals {@code
     * WindowWeights.of(windowEndingAt(upTo, length), length)} bit for bit, at the cost of a page walk
     * over ids and difficulties and one {@code GROUP BY} instead of a million share objects. {@code
     * templar payouts verify} keeps the share-by-share path as its independent recomputation.
     *
     * <p>Once the ledger's {@link RollingShareWindow} is loaded, it answers instead, from the shares it
     * holds in memory, whenever it can do so exactly (the same result); otherwise the database does.
     */
    public WindowWeights windowWeightsEndingAt(Instant upTo, ExactWeight length) {
        Objects.requireNonNull(upTo, "upTo");
        Objects.requireNonNull(length, "length");
        Optional<WindowWeights> held = rollingWindow ? ledger.shareWindow().endingAt(upTo, length) : Optional.empty();
        if (held.isPresent()) {
            return held.get();
        }
        return aggregatedWindow("submitted_at <= ?", q -> q.setObject(1, Ledger.utc(upTo)), length,
                () -> WindowWeights.of(windowEndingAt(upTo, length), length));
    }

    /**
     * The window {@link #windowUpToShare} reads, as the exact weight of each account, summed in the
     * database: what a TIDES plan divides ({@code TidesPlanner}). Equal to the share-by-share result,
     * as {@link #windowWeightsEndingAt}.
     */
    public WindowWeights windowWeightsUpToShare(long lastShareId, ExactWeight length) {
        Objects.requireNonNull(length, "length");
        Optional<WindowWeights> held = rollingWindow ? ledger.shareWindow().upToShare(lastShareId, length) : Optional.empty();
        if (held.isPresent()) {
            return held.get();
        }
        return aggregatedWindow("id <= ?", q -> q.setLong(1, lastShareId), length, () -> {
            List<WindowShare> shares = new ArrayList<>();
            for (LedgerShare s : windowUpToShare(lastShareId, length)) {
                shares.add(WindowShare.of(s.share()));
            }
            return WindowWeights.of(shares, length);
        });
    }

    /** The shares of {@link #round}, as the exact weight of each account, summed in the database (PROP). */
    public WindowWeights roundWeights(Instant after, Instant upTo) {
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT user_name, share_difficulty, revenue_weight, COUNT(*) FROM shares "
                        + "WHERE payout_mode = 'pool' AND submitted_at > ? AND submitted_at <= ? "
                        + "GROUP BY user_name, share_difficulty, revenue_weight")) {
            q.setObject(1, Ledger.utc(after));
            q.setObject(2, Ledger.utc(upTo));
            WindowWeights.Builder weights = new WindowWeights.Builder();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    weights.add(rs.getString(1), rs.getDouble(2), rs.getDouble(3), rs.getLong(4));
                }
            }
            return weights.build();
        } catch (SQLException e) {
            throw new LedgerException("cannot read the round's shares: " + e.getMessage(), e);
        }
    }

    /** Binds a window's own condition, parameter 1. */
    @FunctionalInterface
    private interface WindowBound {
        void bind(PreparedStatement q) throws SQLException;
    }

    /** Ids and difficulties per query of a window's edge walk. */
    private static final int WINDOW_PAGE = 10_000;
    /** A window whose shares changed between its two reads is read again, this many times at most. */
    private static final int WINDOW_READS = 3;

    /**
     * Reads a window in three steps, exactly. (1) Its edge: pages of {@code (id, share_difficulty)},
     * newest first, through {@link WindowEdge} (the rule of {@code ShareWindows.lastN}). (2) The whole
     * shares between the edge and the newest, grouped by account, difficulty and revenue weight with a
     * count: count × difficulty × weight is exact where a SQL {@code SUM} over doubles would round.
     * (3) The edge share, for its part inside the window. Shares committed or removed between the
     * steps (several instances writing, out of id order) would make (2) count other shares than (1)
     * walked: the counts are compared, and such a window is read again, in the end share by share.
     */
    private WindowWeights aggregatedWindow(String condition, WindowBound bound, ExactWeight length,
            Supplier<WindowWeights> shareByShare) {
        Objects.requireNonNull(length, "length");
        ledger.requireOpen();
        String where = "WHERE payout_mode = 'pool' AND " + condition;
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement walk = c.prepareStatement("SELECT id, share_difficulty FROM shares " + where
                        + " AND id < ? ORDER BY id DESC FETCH FIRST " + WINDOW_PAGE + " ROWS ONLY");
                PreparedStatement groups = c.prepareStatement("SELECT user_name, share_difficulty, revenue_weight, COUNT(*) "
                        + "FROM shares " + where + " AND id > ? AND id <= ? GROUP BY user_name, share_difficulty, revenue_weight");
                PreparedStatement edgeShare = c.prepareStatement("SELECT user_name, revenue_weight FROM shares WHERE id = ?")) {
            for (int attempt = 0; attempt < WINDOW_READS; attempt++) {
                WindowEdge edge = new WindowEdge(length);
                long newest = 0;
                long oldest = Long.MAX_VALUE;
                while (!edge.full()) {
                    bound.bind(walk);
                    walk.setLong(2, oldest);
                    int rows = 0;
                    try (ResultSet rs = walk.executeQuery()) {
                        while (!edge.full() && rs.next()) {
                            oldest = rs.getLong(1);
                            newest = Math.max(newest, oldest);
                            edge.take(rs.getDouble(2));
                            rows++;
                        }
                    }
                    if (rows == 0) {
                        break;
                    }
                }
                if (edge.taken() == 0) {
                    return WindowWeights.EMPTY;
                }
                WindowWeights.Builder weights = new WindowWeights.Builder();
                long whole = 0;
                bound.bind(groups);
                groups.setLong(2, oldest);
                groups.setLong(3, newest);
                try (ResultSet rs = groups.executeQuery()) {
                    while (rs.next()) {
                        weights.add(rs.getString(1), rs.getDouble(2), rs.getDouble(3), rs.getLong(4));
                        whole += rs.getLong(4);
                    }
                }
                boolean edgeFound = false;
                edgeShare.setLong(1, oldest);
                try (ResultSet rs = edgeShare.executeQuery()) {
                    if (rs.next()) {
                        weights.addPart(rs.getString(1), edge.lastPart(), rs.getDouble(2));
                        edgeFound = true;
                    }
                }
                if (edgeFound && whole == edge.taken() - 1) {
                    return weights.build();
                }
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot read the share window: " + e.getMessage(), e);
        }
        return shareByShare.get();
    }

    /** Pool-mode shares accepted after {@code after} and at or before {@code upTo}, oldest first: a PROP round. */
    public List<WindowShare> round(Instant after, Instant upTo) {
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT " + Ledger.SHARE_COLUMNS + " FROM shares "
                        + "WHERE payout_mode = 'pool' AND submitted_at > ? AND submitted_at <= ? ORDER BY id")) {
            q.setObject(1, Ledger.utc(after));
            q.setObject(2, Ledger.utc(upTo));
            List<WindowShare> shares = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    shares.add(WindowShare.of(Ledger.readShare(rs)));
                }
            }
            return shares;
        } catch (SQLException e) {
            throw new LedgerException("cannot read the round's shares: " + e.getMessage(), e);
        }
    }

    /** How many of the pool's earlier blocks {@link #roundStart} looks at, newest first, for one of the block's chain. */
    static final int ROUND_START_CANDIDATES = 1000;

    /**
     * Where the PROP round of {@code block} starts: when the pool's latest earlier block <em>of the
     * same chain</em> was found (the beginning of time when there is none). Ancestry, not the
     * ledger's statuses, decides, because statuses change with time while ancestry does not: a
     * stale sibling, or a block a reorganisation pushed out, ends nobody's round (its shares belong to
     * the round of the next block the chain keeps, so none is lost), and the tracker crediting a block
     * and {@code payouts verify} recomputing it later find the same round.
     *
     * @param ofItsChain whether an earlier pool block (lower height, found before) is an ancestor
     *     of {@code block}: for a block in the best chain, whether that block is in the best chain too
     */
    public Instant roundStart(BlockRecord block, java.util.function.Predicate<BlockRecord> ofItsChain) {
        Objects.requireNonNull(block, "block");
        Objects.requireNonNull(ofItsChain, "ofItsChain");
        List<BlockRecord> earlier = new ArrayList<>();
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT " + Ledger.BLOCK_COLUMNS + " FROM blocks WHERE found_at < ?"
                        + " AND height < ? AND status NOT IN ('REJECTED', 'CANDIDATE') ORDER BY found_at DESC, id DESC"
                        + " FETCH FIRST " + ROUND_START_CANDIDATES + " ROWS ONLY")) {
            q.setObject(1, Ledger.utc(block.foundAt()));
            q.setLong(2, block.height());
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    earlier.add(Ledger.readBlock(rs));
                }
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot read the blocks before " + block.hash() + ": " + e.getMessage(), e);
        }
        for (BlockRecord b : earlier) {
            if (ofItsChain.test(b)) {
                return b.foundAt();
            }
        }
        return Instant.EPOCH;
    }

    // ---------------------------------------------------------------- balances

    public Balance balance(String account) {
        Objects.requireNonNull(account, "account");
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT immature_sats, available_sats - debt_sats, in_payment_sats, "
                        + "paid_sats, carried_sats FROM balances WHERE account = ?")) {
            q.setString(1, account);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? new Balance(account, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5))
                        : Balance.empty(account);
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot read the balance of " + account + ": " + e.getMessage(), e);
        }
    }

    /**
     * A payment an account received: an output of a block's coinbase (in-coinbase schemes: {@code
     * reference} is the block hash, {@code at} when the block was found) or its part of a payout batch
     * the operator's wallet sent ({@code reference} is the txid, {@code at} when it was marked sent).
     */
    public record Payment(String kind, String reference, long sats, java.time.Instant at) {
        public static final String COINBASE = "coinbase";
        public static final String BATCH = "batch";
    }

    /** The account's latest payments, newest first, at most {@code limit}: what its miner can check on-chain. */
    public List<Payment> payments(String account, int limit) {
        Objects.requireNonNull(account, "account");
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit must be 1..10000, got " + limit);
        }
        ledger.requireOpen();
        List<Payment> out = new java.util.ArrayList<>();
        try (Connection c = ledger.dataSource().getConnection()) {
            try (PreparedStatement q = c.prepareStatement("SELECT p.block_hash, p.sats, b.found_at FROM coinbase_payments p"
                    + " JOIN blocks b ON b.block_hash = p.block_hash WHERE p.account = ?"
                    + " ORDER BY b.found_at DESC FETCH FIRST ? ROWS ONLY")) {
                q.setString(1, account);
                q.setInt(2, limit);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Payment(Payment.COINBASE, rs.getString(1), rs.getLong(2), Ledger.instant(rs, 3)));
                    }
                }
            }
            try (PreparedStatement q = c.prepareStatement("SELECT b.txid, i.sats, b.updated_at FROM payout_items i"
                    + " JOIN payout_batches b ON b.id = i.batch_id WHERE i.account = ? AND b.state = 'SENT'"
                    + " ORDER BY b.updated_at DESC FETCH FIRST ? ROWS ONLY")) {
                q.setString(1, account);
                q.setInt(2, limit);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Payment(Payment.BATCH, rs.getString(1), rs.getLong(2), Ledger.instant(rs, 3)));
                    }
                }
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot read the payments of " + account + ": " + e.getMessage(), e);
        }
        out.sort(java.util.Comparator.comparing(Payment::at).reversed());
        return out.size() > limit ? List.copyOf(out.subList(0, limit)) : List.copyOf(out);
    }

    /**
     * Makes sure the account has a balance row, in its own transaction: a row inserted concurrently
     * by another instance is fine, and PostgreSQL would abort the whole step's transaction on the
     * duplicate key if this were done inside it.
     */
    private void ensureAccount(String account) {
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection()) {
            try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM balances WHERE account = ?")) {
                q.setString(1, account);
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        return;
                    }
                }
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO balances (account, immature_sats, available_sats, "
                    + "in_payment_sats, paid_sats, carried_sats, updated_at) VALUES (?, 0, 0, 0, 0, 0, ?)")) {
                insert.setString(1, account);
                insert.setObject(2, Ledger.utc(ledger.now()));
                insert.executeUpdate();
            } catch (SQLException e) {
                if (!Ledger.isUniqueViolation(e)) {
                    throw e;
                }
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot open a balance for " + account + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- payout batches

    /**
     * Moves every available balance of at least {@code minimumSats} whose account has an address
     * into a new PENDING batch. The amounts leave "available" in the same transaction, so no later
     * batch can take them again; the database's CHECK on balances refuses it even if code tried.
     *
     * @param addressOf where an account is paid; accounts without one stay available
     * @return the batch, or empty when nobody is due
     */
    public Optional<PayoutBatch> createBatch(long minimumSats, Function<String, Optional<String>> addressOf) {
        if (minimumSats < 1) {
            throw new IllegalArgumentException("payout minimum must be at least 1 sat: " + minimumSats);
        }
        Objects.requireNonNull(addressOf, "addressOf");
        Long id = inTransaction("create payout batch", c -> {
            List<PayoutBatch.Item> items = new ArrayList<>();
            try (PreparedStatement q = c.prepareStatement("SELECT account, available_sats FROM balances "
                    + "WHERE available_sats >= ? ORDER BY account FOR UPDATE")) {
                q.setLong(1, minimumSats);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        String account = rs.getString(1);
                        long sats = rs.getLong(2);
                        Optional<String> address = addressOf.apply(account);
                        if (address.isPresent()) {
                            items.add(new PayoutBatch.Item(account, address.get(), sats));
                        }
                    }
                }
            }
            if (items.isEmpty()) {
                return null;
            }
            Instant now = ledger.now();
            long total = 0;
            for (PayoutBatch.Item i : items) {
                total = Math.addExact(total, i.sats());
            }
            long batchId;
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO payout_batches (state, total_sats, created_at, "
                    + "updated_at) VALUES ('PENDING', ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                insert.setLong(1, total);
                insert.setObject(2, Ledger.utc(now));
                insert.setObject(3, Ledger.utc(now));
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    keys.next();
                    batchId = keys.getLong(1);
                }
            }
            try (PreparedStatement item = c.prepareStatement(
                    "INSERT INTO payout_items (batch_id, account, address, sats) VALUES (?, ?, ?, ?)");
                    PreparedStatement reserve = c.prepareStatement("UPDATE balances SET available_sats = available_sats - ?, "
                            + "in_payment_sats = in_payment_sats + ?, updated_at = ? WHERE account = ?")) {
                for (PayoutBatch.Item i : items) {
                    item.setLong(1, batchId);
                    item.setString(2, i.account());
                    item.setString(3, i.address());
                    item.setLong(4, i.sats());
                    item.executeUpdate();
                    reserve.setLong(1, i.sats());
                    reserve.setLong(2, i.sats());
                    reserve.setObject(3, Ledger.utc(now));
                    reserve.setString(4, i.account());
                    reserve.executeUpdate();
                }
            }
            return batchId;
        });
        return id == null ? Optional.empty() : Optional.of(batch(id));
    }

    /**
     * The operator's wallet sent the batch as {@code txid}. Marking it again with the same txid
     * changes nothing; another txid, or a cancelled batch, is refused.
     */
    public PayoutBatch markSent(long batchId, String txid) {
        Objects.requireNonNull(txid, "txid");
        String tx = txid.toLowerCase(Locale.ROOT);
        if (!org.templar.share.Hex.isHex(tx, 32)) {
            throw new IllegalArgumentException("txid must be 64 hex characters: '" + txid + "'");
        }
        inTransaction("mark batch " + batchId + " sent", c -> {
            PayoutBatch batch = batch(c, batchId, true);
            switch (batch.state()) {
                case SENT:
                    if (!batch.txid().orElseThrow().equals(tx)) {
                        throw new IllegalStateException("batch " + batchId + " was already sent as " + batch.txid().get());
                    }
                    return null;
                case CANCELLED:
                    throw new IllegalStateException("batch " + batchId + " was cancelled");
                default:
                    break;
            }
            settleItems(c, batch, "paid_sats");
            setBatchState(c, batchId, PayoutBatch.State.SENT, tx);
            return null;
        });
        return batch(batchId);
    }

    /** The operator will not send the batch: its amounts become available again. Idempotent. */
    public PayoutBatch cancel(long batchId) {
        inTransaction("cancel batch " + batchId, c -> {
            PayoutBatch batch = batch(c, batchId, true);
            if (batch.state() == PayoutBatch.State.SENT) {
                throw new IllegalStateException("batch " + batchId + " was sent as " + batch.txid().get());
            }
            if (batch.state() == PayoutBatch.State.PENDING) {
                settleItems(c, batch, "available_sats");
                setBatchState(c, batchId, PayoutBatch.State.CANCELLED, null);
            }
            return null;
        });
        return batch(batchId);
    }

    /** Moves a batch's amounts out of payment: to paid, or back to available (where they pay a debt first). */
    private void settleItems(Connection c, PayoutBatch batch, String to) throws SQLException {
        List<Credit> amounts = batch.items().stream().map(i -> new Credit(i.account(), i.sats())).toList();
        adjust(c, "in_payment_sats", amounts, -1);
        adjust(c, to, amounts, 1);
    }

    private void setBatchState(Connection c, long batchId, PayoutBatch.State state, String txid) throws SQLException {
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE payout_batches SET state = ?, txid = ?, updated_at = ? WHERE id = ?")) {
            update.setString(1, state.name());
            update.setString(2, txid);
            update.setObject(3, Ledger.utc(ledger.now()));
            update.setLong(4, batchId);
            update.executeUpdate();
        }
    }

    public PayoutBatch batch(long batchId) {
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection()) {
            return batch(c, batchId, false);
        } catch (SQLException e) {
            throw new LedgerException("cannot read batch " + batchId + ": " + e.getMessage(), e);
        }
    }

    private static PayoutBatch batch(Connection c, long batchId, boolean forUpdate) throws SQLException {
        PayoutBatch.State state;
        String txid;
        try (PreparedStatement q = c.prepareStatement("SELECT state, txid FROM payout_batches WHERE id = ?"
                + (forUpdate ? " FOR UPDATE" : ""))) {
            q.setLong(1, batchId);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    throw new LedgerException("no payout batch " + batchId);
                }
                state = PayoutBatch.State.valueOf(rs.getString(1));
                txid = rs.getString(2);
            }
        }
        List<PayoutBatch.Item> items = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement(
                "SELECT account, address, sats FROM payout_items WHERE batch_id = ? ORDER BY account")) {
            q.setLong(1, batchId);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    items.add(new PayoutBatch.Item(rs.getString(1), rs.getString(2), rs.getLong(3)));
                }
            }
        }
        return new PayoutBatch(batchId, state, items, Optional.ofNullable(txid));
    }

    // ---------------------------------------------------------------- helpers

    @FunctionalInterface
    private interface Step<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T inTransaction(String what, Step<T> step) {
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection()) {
            c.setAutoCommit(false);
            T result;
            try {
                result = step.run(c);
                c.commit();
                ledger.sync(c);
            } catch (SQLException | RuntimeException e) {
                ledger.abandon(c, e);
                throw e;
            }
            return result;
        } catch (SQLException e) {
            throw new LedgerException(what + " failed, nothing changed: " + e.getMessage(), e);
        }
    }

    private static String normalize(String blockHash) {
        Objects.requireNonNull(blockHash, "blockHash");
        return blockHash.toLowerCase(Locale.ROOT);
    }
}
