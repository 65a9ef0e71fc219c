package org.templar.regtest;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.bitcoinj.base.Coin;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;
import org.bitcoinj.core.TransactionOutPoint;
import org.bitcoinj.core.TransactionOutput;
import org.bitcoinj.core.TransactionWitness;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The regtest chain state: block index, active chain, UTXO set and mempool, behind one lock.
 *
 * <p>Blocks go through Core's sequence (CheckBlock, AcceptBlockHeader, AcceptBlock, ConnectBlock)
 * so that submitblock answers what Core answers. A block on a side branch with no more work than
 * the tip is checked as far as Core checks it without connecting, stored and answered
 * "inconclusive"; when a branch gets more work than the tip the chain reorganises onto it (undo
 * data per block), returning still-valid transactions of disconnected blocks to the mempool.
 */
public final class RegtestChain {
    private static final Logger log = LoggerFactory.getLogger(RegtestChain.class);

    private final Map<Sha256Hash, BlockRecord> index = new HashMap<>();
    private final List<BlockRecord> active = new ArrayList<>();
    private final Map<OutPointKey, Utxo> utxos = new HashMap<>();
    private final Map<Sha256Hash, Undo> undo = new HashMap<>();
    /** Where each confirmed transaction of the active chain is (a built-in txindex). */
    private final Map<Sha256Hash, BlockRecord> txIndex = new HashMap<>();
    private final Mempool mempool = new Mempool();
    /**
     * Core's script execution cache (validation.cpp, CheckInputScripts): the wtxids whose input scripts
     * passed, so a block or proposal holding transactions the mempool already checked does not verify
     * their signatures again. Sound because a wtxid fixes the whole transaction (witness included) and
     * its outpoints fix what it spends; Core keys it by wtxid and flags, and the flags are constant here.
     */
    private static final int SCRIPT_CACHE_ENTRIES = 200_000;
    private final Set<Sha256Hash> scriptsVerified = java.util.Collections.newSetFromMap(
            new java.util.LinkedHashMap<>(1024, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Sha256Hash, Boolean> eldest) {
                    return size() > SCRIPT_CACHE_ENTRIES;
                }
            });
    private final List<Consumer<BlockRecord>> tipListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<byte[]>> blockSinks = new CopyOnWriteArrayList<>();
    private final LongSupplier clock;
    private long extraNonce;

    public RegtestChain(LongSupplier epochSecondsClock) {
        this.clock = epochSecondsClock;
        RawBlock genesis = RawBlock.parse(Hex.decode(RegtestConsensus.GENESIS_HEX));
        BlockRecord rec = new BlockRecord(genesis, null, BlockRecord.Status.ACTIVE);
        index.put(rec.hash(), rec);
        active.add(rec);
        rec.fees(new long[1]);
        // Core never adds the genesis coinbase to the UTXO set; neither do we.
        txIndex.put(genesis.transactions().get(0).getTxId(), rec);
    }

    public RegtestChain() {
        this(() -> System.currentTimeMillis() / 1000);
    }

    public long now() {
        return clock.getAsLong();
    }

    /** Called (under the chain lock, in order) each time the tip changes. */
    public void onNewTip(Consumer<BlockRecord> listener) {
        tipListeners.add(listener);
    }

    /** Called with the serialized bytes of every block stored in the index as valid (tip or side branch). */
    public void onBlockStored(Consumer<byte[]> sink) {
        blockSinks.add(sink);
    }

    // ---- queries -------------------------------------------------------------------------------

    public synchronized int height() {
        return active.size() - 1;
    }

    public synchronized BlockRecord tip() {
        return active.get(active.size() - 1);
    }

    public synchronized Sha256Hash tipHash() {
        return tip().hash();
    }

    public synchronized Optional<BlockRecord> blockAt(int height) {
        return height < 0 || height >= active.size() ? Optional.empty() : Optional.of(active.get(height));
    }

    /** The coinbase transaction of the active-chain block at {@code height}. */
    public synchronized Optional<Transaction> coinbaseAt(int height) {
        return blockAt(height).map(b -> b.block().transactions().get(0));
    }

    public synchronized Optional<BlockRecord> block(Sha256Hash hash) {
        return Optional.ofNullable(index.get(hash));
    }

    public synchronized boolean isActive(BlockRecord rec) {
        return rec.height() < active.size() && active.get(rec.height()) == rec;
    }

    /** Number of confirmations as Core reports them: depth on the active chain, -1 off it. */
    public synchronized int confirmations(BlockRecord rec) {
        return isActive(rec) ? active.size() - rec.height() : -1;
    }

    public synchronized Optional<BlockRecord> nextOnActive(BlockRecord rec) {
        return isActive(rec) && rec.height() + 1 < active.size() ? Optional.of(active.get(rec.height() + 1)) : Optional.empty();
    }

    public synchronized Optional<Utxo> utxo(OutPointKey key) {
        return Optional.ofNullable(utxos.get(key));
    }

    /** Unspent outputs paying {@code script} on the active chain (not counting mempool spends), oldest first. */
    public synchronized List<Map.Entry<OutPointKey, Utxo>> unspentTo(byte[] script) {
        List<Map.Entry<OutPointKey, Utxo>> out = new ArrayList<>();
        for (Map.Entry<OutPointKey, Utxo> e : utxos.entrySet()) {
            if (java.util.Arrays.equals(e.getValue().script(), script)) {
                out.add(Map.entry(e.getKey(), e.getValue()));
            }
        }
        out.sort((a, b) -> Integer.compare(a.getValue().height(), b.getValue().height()));
        return out;
    }

    public synchronized boolean spentInMempool(OutPointKey key) {
        return mempool.spenderOf(key) != null;
    }

    public synchronized Optional<BlockRecord> blockOfTransaction(Sha256Hash txid) {
        return Optional.ofNullable(txIndex.get(txid));
    }

    public synchronized List<MempoolEntry> mempool() {
        return new ArrayList<>(mempool.entries());
    }

    public synchronized Optional<MempoolEntry> mempoolEntry(Sha256Hash txid) {
        return Optional.ofNullable(mempool.get(txid));
    }

    /** Mempool transactions spending outputs of {@code txid}. */
    public synchronized List<Sha256Hash> mempoolChildren(Sha256Hash txid) {
        return mempool.children(txid);
    }

    public synchronized long mempoolUpdates() {
        return mempool.updates();
    }

    // ---- blocks --------------------------------------------------------------------------------

    /**
     * submitblock: null when the block became the new tip, else Core's BIP22 answer ("duplicate",
     * "duplicate-invalid", "inconclusive" or the reject reason).
     */
    public synchronized String submitBlock(RawBlock block) {
        return process(block, false);
    }

    /** Replays a stored block at start-up (no future-time check: time has moved on since it was accepted). */
    synchronized String replay(RawBlock block) {
        return process(block, true);
    }

    private String process(RawBlock submitted, boolean replaying) {
        // submitblock looks the hash up first: a connected block is "duplicate", a failed one
        // "duplicate-invalid"; a stored side-branch block ends as "duplicate" in AcceptBlock.
        BlockRecord known = index.get(submitted.hash());
        if (known != null) {
            return known.status() == BlockRecord.Status.FAILED ? "duplicate-invalid" : "duplicate";
        }
        RawBlock block = addUncommittedWitnessNonce(submitted);
        try {
            BlockRules.checkBlock(block, true);
        } catch (BlockRejected r) {
            return r.reason();
        }
        BlockRecord prev = index.get(block.prevHash());
        if (prev == null) {
            return "prev-blk-not-found";
        }
        if (prev.status() == BlockRecord.Status.FAILED) {
            return "bad-prevblk";
        }
        try {
            BlockRules.contextualCheckHeader(block, prev, now(), !replaying);
        } catch (BlockRejected r) {
            return r.reason();
        }
        BlockRecord rec = new BlockRecord(block, prev, BlockRecord.Status.SIDE);
        try {
            BlockRules.contextualCheckBlock(block, prev);
        } catch (BlockRejected r) {
            if (!r.mutated()) {
                rec.status(BlockRecord.Status.FAILED);
                index.put(rec.hash(), rec);
            }
            return r.reason();
        }
        index.put(rec.hash(), rec);
        BlockRecord oldTip = tip();
        if (rec.chainWork().compareTo(oldTip.chainWork()) <= 0) {
            // Not more work than the tip (Core keeps the first-seen tip on a tie): stored, not
            // connected, so Core never reports a validation result for it.
            if (!replaying) {
                store(block);
            }
            log.info("regtest: stored side-branch block {} at height {}", rec.hash(), rec.height());
            return "inconclusive";
        }
        int oldHeight = oldTip.height();
        String result = activateBestChain(rec);
        if (rec.status() != BlockRecord.Status.FAILED && !replaying) {
            store(block);
        }
        if (tip() != oldTip) {
            // Core's ZMQ notifier walks from the new tip back to the fork, newest first.
            List<BlockRecord> connected = new ArrayList<>();
            for (BlockRecord b = tip(); b != null && !(b.height() <= oldHeight && isOnChainOf(oldTip, b)); b = b.parent()) {
                connected.add(b);
            }
            for (BlockRecord b : connected) {
                for (Consumer<BlockRecord> l : tipListeners) {
                    try {
                        l.accept(b);
                    } catch (RuntimeException e) {
                        log.warn("regtest: tip listener failed", e);
                    }
                }
            }
            notifyAll(); // wakes long-polling getblocktemplate calls
        }
        return result;
    }

    /** True when {@code b} is {@code tipOfChain} or one of its ancestors. */
    private static boolean isOnChainOf(BlockRecord tipOfChain, BlockRecord b) {
        BlockRecord x = tipOfChain;
        while (x != null && x.height() > b.height()) {
            x = x.parent();
        }
        return x == b;
    }

    /**
     * Makes {@code best} (more work than the tip) the tip: disconnects back to the fork point and
     * connects the new branch. If a block of the branch fails, it and its descendants are marked
     * invalid and the previous chain is restored. Transactions of disconnected blocks go back to
     * the mempool when still valid. Returns null when {@code best} became the tip, its reject
     * reason when it failed itself, "inconclusive" when an ancestor failed.
     */
    private String activateBestChain(BlockRecord best) {
        List<BlockRecord> path = new ArrayList<>();
        for (BlockRecord x = best; !isActive(x); x = x.parent()) {
            path.add(0, x);
        }
        BlockRecord fork = path.get(0).parent();
        if (fork == tip() && path.size() == 1) {
            try {
                connect(best); // the common case: one block on the tip
                return null;
            } catch (BlockRejected r) {
                best.status(BlockRecord.Status.FAILED);
                return r.reason();
            }
        }
        List<Transaction> previousMempool = new ArrayList<>();
        mempool.entries().forEach(e -> previousMempool.add(e.tx()));
        List<BlockRecord> disconnected = new ArrayList<>();
        while (tip() != fork) {
            disconnected.add(0, disconnectTip());
        }
        List<Transaction> resurrect = new ArrayList<>();
        for (BlockRecord d : disconnected) {
            List<Transaction> txs = d.block().transactions();
            resurrect.addAll(txs.subList(1, txs.size()));
        }
        resurrect.addAll(previousMempool);
        String result = null;
        for (int i = 0; i < path.size(); i++) {
            BlockRecord b = path.get(i);
            try {
                connect(b);
            } catch (BlockRejected r) {
                for (int j = i; j < path.size(); j++) {
                    path.get(j).status(BlockRecord.Status.FAILED);
                }
                result = b == best ? r.reason() : "inconclusive";
                while (tip() != fork) {
                    disconnectTip();
                }
                for (BlockRecord d : disconnected) {
                    try {
                        connect(d);
                    } catch (BlockRejected impossible) {
                        throw new IllegalStateException("previous chain no longer connects: " + impossible.getMessage());
                    }
                }
                break;
            }
        }
        if (result == null) {
            log.info("regtest: reorganized {} block(s) away, new tip {} at height {}", disconnected.size(), best.hash(), best.height());
        }
        rebuildMempool(resurrect);
        return result;
    }

    /** Removes the tip block's effects (Core's DisconnectBlock with its undo data). */
    private BlockRecord disconnectTip() {
        BlockRecord t = active.remove(active.size() - 1);
        Undo u = undo.remove(t.hash());
        for (OutPointKey k : u.created()) {
            utxos.remove(k);
        }
        utxos.putAll(u.spent());
        for (Transaction tx : t.block().transactions()) {
            txIndex.remove(tx.getTxId(), t);
        }
        t.status(BlockRecord.Status.SIDE);
        return t;
    }

    /** Re-admits transactions after a reorganisation; those no longer valid are dropped, as Core does. */
    private void rebuildMempool(List<Transaction> txs) {
        mempool.clear();
        for (Transaction tx : txs) {
            try {
                acceptTransaction(tx, 0);
            } catch (TxRejected r) {
                log.debug("regtest: {} not re-admitted after reorg: {}", tx.getTxId(), r.getMessage());
            }
        }
    }

    /** What DisconnectBlock needs: the coins a block spent and the outputs it created. */
    private record Undo(Map<OutPointKey, Utxo> spent, Set<OutPointKey> created) {}

    private void store(RawBlock block) {
        byte[] raw = block.serialize();
        for (Consumer<byte[]> s : blockSinks) {
            s.accept(raw);
        }
    }

    /**
     * Core's UpdateUncommittedBlockStructures: a coinbase with a witness commitment but no witness
     * gets the all-zero 32-byte reserved value, so pools that omit it still have valid blocks.
     */
    private RawBlock addUncommittedWitnessNonce(RawBlock block) {
        List<Transaction> txs = block.transactions();
        if (txs.isEmpty() || !index.containsKey(block.prevHash())) {
            return block;
        }
        Transaction cb = txs.get(0);
        if (cb.getInputs().isEmpty() || BlockRules.witnessCommitmentIndex(cb) < 0 || cb.getInput(0).hasWitness()) {
            return block;
        }
        Transaction copy = Transaction.read(java.nio.ByteBuffer.wrap(cb.serialize()));
        copy.replaceInput(0, copy.getInput(0).withWitness(TransactionWitness.of(new byte[32])));
        List<Transaction> newTxs = new ArrayList<>(txs);
        newTxs.set(0, copy);
        return block.withTransactions(newTxs);
    }

    /** ConnectBlock onto the current tip: inputs, maturity, values, sigops, scripts, coinbase amount. */
    private void connect(BlockRecord rec) throws BlockRejected {
        RawBlock block = rec.block();
        int height = rec.height();
        Map<OutPointKey, Utxo> created = new HashMap<>();
        Set<OutPointKey> spent = new HashSet<>();
        List<Transaction> txs = block.transactions();
        long[] fees = new long[txs.size()];
        long totalFees = 0;
        int sigopCost = 0;
        for (int t = 0; t < txs.size(); t++) {
            Transaction tx = txs.get(t);
            sigopCost += BlockRules.legacySigOps(tx) * RegtestConsensus.WITNESS_SCALE_FACTOR;
            if (!tx.isCoinBase()) {
                long in = 0;
                List<Utxo> prevouts = new ArrayList<>();
                for (TransactionInput input : tx.getInputs()) {
                    OutPointKey key = OutPointKey.of(input.getOutpoint());
                    Utxo u = spent.contains(key) ? null : created.containsKey(key) ? created.get(key) : utxos.get(key);
                    if (u == null) {
                        throw BlockRejected.consensus("bad-txns-inputs-missingorspent", "CheckTxInputs: inputs missing/spent in transaction " + tx.getTxId());
                    }
                    prevouts.add(u);
                }
                for (Utxo u : prevouts) {
                    if (u.coinbase() && height - u.height() < RegtestConsensus.COINBASE_MATURITY) {
                        throw BlockRejected.consensus("bad-txns-premature-spend-of-coinbase",
                                "tried to spend coinbase at depth " + (height - u.height()));
                    }
                    in += u.value();
                }
                long out = tx.getOutputSum().value;
                if (in < out) {
                    throw BlockRejected.consensus("bad-txns-in-belowout", "value in (" + money(in) + ") < value out (" + money(out) + ")");
                }
                for (int i = 0; i < prevouts.size(); i++) {
                    sigopCost += ScriptChecks.witnessSigOps(prevouts.get(i));
                }
                if (sigopCost > RegtestConsensus.MAX_BLOCK_SIGOPS_COST) {
                    throw BlockRejected.consensus("bad-blk-sigops", "too many sigops");
                }
                Sha256Hash wtxid = tx.getWTxId();
                if (!scriptsVerified.contains(wtxid)) {
                    for (int i = 0; i < prevouts.size(); i++) {
                        try {
                            ScriptChecks.verifyInput(tx, i, prevouts.get(i));
                        } catch (ScriptChecks.ScriptFailure f) {
                            throw BlockRejected.consensus(f.blockReason(), "input " + i + " of " + tx.getTxId());
                        }
                    }
                    scriptsVerified.add(wtxid);
                }
                for (TransactionInput input : tx.getInputs()) {
                    OutPointKey key = OutPointKey.of(input.getOutpoint());
                    spent.add(key);
                    created.remove(key);
                }
                fees[t] = in - out;
                totalFees += in - out;
            } else if (sigopCost > RegtestConsensus.MAX_BLOCK_SIGOPS_COST) {
                throw BlockRejected.consensus("bad-blk-sigops", "too many sigops");
            }
            for (TransactionOutput o : tx.getOutputs()) {
                byte[] script = o.getScriptBytes();
                if (isUnspendable(script)) {
                    continue; // provably unspendable: Core never adds it to the UTXO set
                }
                created.put(new OutPointKey(tx.getTxId(), o.getIndex()), new Utxo(o.getValue().value, script, height, tx.isCoinBase()));
            }
        }
        long reward = RegtestConsensus.subsidy(height) + totalFees;
        long coinbaseOut = txs.get(0).getOutputSum().value;
        if (coinbaseOut > reward) {
            throw BlockRejected.consensus("bad-cb-amount", "coinbase pays too much (actual=" + coinbaseOut + " vs limit=" + reward + ")");
        }
        Map<OutPointKey, Utxo> spentCoins = new HashMap<>();
        for (OutPointKey k : spent) {
            Utxo u = utxos.remove(k);
            if (u != null) {
                spentCoins.put(k, u);
            }
        }
        utxos.putAll(created);
        undo.put(rec.hash(), new Undo(spentCoins, new HashSet<>(created.keySet())));
        rec.status(BlockRecord.Status.ACTIVE);
        rec.fees(fees);
        active.add(rec);
        for (Transaction tx : txs) {
            txIndex.put(tx.getTxId(), rec);
        }
        mempool.removeForBlock(txs, spent);
        log.debug("regtest: connected block {} at height {} with {} txs", rec.hash(), height, txs.size());
    }

    /**
     * getblocktemplate proposal mode (BIP23) through TestBlockValidity: every check but proof of
     * work, against the current tip, without storing anything.
     */
    public synchronized String propose(RawBlock block) {
        // unlike submitblock, the proposal path does not fill in a missing witness reserved value
        BlockRecord known = index.get(block.hash());
        if (known != null) {
            return switch (known.status()) {
                case ACTIVE -> "duplicate";
                case FAILED -> "duplicate-invalid";
                case SIDE -> "duplicate-inconclusive";
            };
        }
        if (!block.prevHash().equals(tipHash())) {
            return "inconclusive-not-best-prevblk";
        }
        BlockRecord prev = tip();
        try {
            BlockRules.contextualCheckHeader(block, prev, now(), true);
            BlockRules.checkBlock(block, false);
            BlockRules.contextualCheckBlock(block, prev);
            BlockRecord trial = new BlockRecord(block, prev, BlockRecord.Status.SIDE);
            // Connect on a snapshot so that a failure or success leaves the real state untouched.
            RegtestChainSnapshot snap = new RegtestChainSnapshot();
            try {
                connect(trial);
            } finally {
                snap.restore();
            }
        } catch (BlockRejected r) {
            return r.reason();
        }
        return null;
    }

    /** Saves and restores the mutable state connect() touches (proposal mode only; regtest-sized state). */
    private final class RegtestChainSnapshot {
        private final Map<OutPointKey, Utxo> savedUtxos = new HashMap<>(utxos);
        private final int savedActive = active.size();
        private final Map<Sha256Hash, BlockRecord> savedTxIndex = new HashMap<>(txIndex);
        private final Mempool savedMempool = mempool.copy();
        private final Map<Sha256Hash, Undo> savedUndo = new HashMap<>(undo);

        void restore() {
            utxos.clear();
            utxos.putAll(savedUtxos);
            while (active.size() > savedActive) {
                active.remove(active.size() - 1);
            }
            txIndex.clear();
            txIndex.putAll(savedTxIndex);
            mempool.restore(savedMempool);
            undo.clear();
            undo.putAll(savedUndo);
        }
    }

    // ---- templates and mining ------------------------------------------------------------------

    /** A block template on the current tip with every mempool transaction that fits (parents first). */
    public synchronized BlockTemplate template() {
        BlockRecord prev = tip();
        int height = prev.height() + 1;
        long minTime = prev.medianTimePast() + 1;
        long curTime = Math.max(minTime, now());
        List<BlockTemplate.Entry> entries = new ArrayList<>();
        Map<Sha256Hash, Integer> position = new HashMap<>();
        int weight = RegtestConsensus.COINBASE_RESERVED_WEIGHT;
        int sigops = RegtestConsensus.COINBASE_RESERVED_SIGOPS;
        long fees = 0;
        List<Transaction> forCommitment = new ArrayList<>();
        forCommitment.add(null); // the coinbase: its wtxid counts as zero
        for (MempoolEntry e : mempool.entries()) {
            if (!position.keySet().containsAll(e.parents())) {
                continue; // a parent did not fit
            }
            if (weight + e.weight() > RegtestConsensus.MAX_BLOCK_WEIGHT || sigops + e.sigopCost() > RegtestConsensus.MAX_BLOCK_SIGOPS_COST) {
                continue;
            }
            if (!BlockRules.isFinal(e.tx(), height, prev.medianTimePast())) {
                continue;
            }
            List<Integer> depends = new ArrayList<>();
            for (Sha256Hash p : e.parents()) {
                depends.add(position.get(p));
            }
            depends.sort(null);
            entries.add(new BlockTemplate.Entry(e.tx(), e.fee(), e.sigopCost(), e.weight(), depends));
            position.put(e.txid(), entries.size());
            weight += e.weight();
            sigops += e.sigopCost();
            fees += e.fee();
            forCommitment.add(e.tx());
        }
        byte[] commitment = witnessCommitmentFor(forCommitment);
        String longPollId = prev.hash().toString() + mempool.updates();
        return new BlockTemplate(prev.hash(), height, RegtestConsensus.TEMPLATE_VERSION, RegtestConsensus.POW_LIMIT_BITS,
                curTime, minTime, RegtestConsensus.subsidy(height) + fees, entries, commitment, longPollId);
    }

    private static byte[] witnessCommitmentFor(List<Transaction> txsWithNullCoinbase) {
        List<byte[]> ids = new ArrayList<>();
        ids.add(new byte[32]);
        for (int i = 1; i < txsWithNullCoinbase.size(); i++) {
            ids.add(txsWithNullCoinbase.get(i).getWTxId().getReversedBytes());
        }
        byte[] root = Merkle.root(ids);
        byte[] commitment = Sha256Hash.hashTwice(root, new byte[32]);
        byte[] script = new byte[38];
        System.arraycopy(new byte[] {0x6a, 0x24, (byte) 0xaa, 0x21, (byte) 0xa9, (byte) 0xed}, 0, script, 0, 6);
        System.arraycopy(commitment, 0, script, 6, 32);
        return script;
    }

    /** Waits (bounded) until the tip or the mempool moves away from {@code longPollId}. */
    public synchronized void awaitChange(String longPollId, long maxMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + maxMillis;
        while (longPollId.equals(tipHash().toString() + mempool.updates())) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return;
            }
            wait(Math.min(left, 1000));
        }
    }

    /**
     * Builds a complete block paying the template's coinbase value to {@code payoutScript}: BIP34
     * height and an extra nonce in the scriptSig, the witness commitment and reserved value.
     * The header is not solved yet.
     */
    public static RawBlock assemble(BlockTemplate t, byte[] payoutScript, long extraNonce) {
        Transaction coinbase = new Transaction();
        coinbase.setVersion(2);
        // Core's IncrementExtraNonce: CScript() << nHeight << CScriptNum(nExtraNonce). The extra
        // nonce is always a plain data push (OP_0 when it is 0), never OP_1..OP_16, so it is written
        // by hand: bitcoinj's data() would turn a one-byte 1..16 into OP_N.
        byte[] heightPush = BlockRules.heightPush(t.height());
        byte[] nonce = scriptNum(extraNonce);
        byte[] scriptSig = new byte[heightPush.length + 1 + nonce.length];
        System.arraycopy(heightPush, 0, scriptSig, 0, heightPush.length);
        scriptSig[heightPush.length] = (byte) nonce.length;
        System.arraycopy(nonce, 0, scriptSig, heightPush.length + 1, nonce.length);
        TransactionInput in = new TransactionInput(coinbase, scriptSig, TransactionOutPoint.UNCONNECTED)
                .withWitness(TransactionWitness.of(new byte[32]));
        coinbase.addInput(in);
        coinbase.addOutput(new TransactionOutput(coinbase, Coin.valueOf(t.coinbaseValue()), payoutScript));
        coinbase.addOutput(new TransactionOutput(coinbase, Coin.ZERO, t.witnessCommitmentScript()));
        List<Transaction> txs = new ArrayList<>();
        txs.add(coinbase);
        for (BlockTemplate.Entry e : t.transactions()) {
            txs.add(e.tx());
        }
        return RawBlock.assemble(t.version(), t.previousBlockHash(), t.curTime(), t.bits(), 0, txs);
    }

    /** Grinds the nonce until the header meets the target (about two tries on regtest). */
    public static RawBlock solve(RawBlock block) {
        for (long nonce = 0; nonce <= 0xffffffffL; nonce++) {
            RawBlock b = block.withNonce(nonce);
            if (BlockRules.proofOfWorkValid(b.hash().getReversedBytes(), b.bits())) {
                return b;
            }
        }
        throw new IllegalStateException("nonce space exhausted");
    }

    /** generatetoaddress: mines {@code n} blocks on the tip paying {@code payoutScript}; returns their hashes. */
    public List<Sha256Hash> generate(int n, byte[] payoutScript) {
        List<Sha256Hash> hashes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            synchronized (this) {
                RawBlock solved = solve(assemble(template(), payoutScript, ++extraNonce));
                String result = submitBlock(solved);
                if (result != null) {
                    throw new IllegalStateException("ProcessNewBlock, block not accepted: " + result);
                }
                hashes.add(solved.hash());
            }
        }
        return hashes;
    }

    /**
     * generateblock: a block on the tip with exactly {@code txs} (in order) and a coinbase paying the
     * subsidy only (Core does not add the fees of the given transactions). Checked like a proposal
     * first; throws IllegalArgumentException("TestBlockValidity failed: reason") when invalid.
     * Returns the solved block, connected when {@code submit}.
     */
    public synchronized RawBlock generateBlock(byte[] payoutScript, List<Transaction> txs, boolean submit) {
        BlockRecord prev = tip();
        int height = prev.height() + 1;
        long minTime = prev.medianTimePast() + 1;
        List<Transaction> forCommitment = new ArrayList<>();
        forCommitment.add(null);
        forCommitment.addAll(txs);
        BlockTemplate t = new BlockTemplate(prev.hash(), height, RegtestConsensus.TEMPLATE_VERSION, RegtestConsensus.POW_LIMIT_BITS,
                Math.max(minTime, now()), minTime, RegtestConsensus.subsidy(height), List.of(),
                witnessCommitmentFor(forCommitment), "");
        RawBlock coinbaseOnly = assemble(t, payoutScript, ++extraNonce);
        List<Transaction> all = new ArrayList<>();
        all.add(coinbaseOnly.transactions().get(0));
        all.addAll(txs);
        RawBlock block = RawBlock.assemble(t.version(), t.previousBlockHash(), t.curTime(), t.bits(), 0, all);
        String check = propose(block);
        if (check != null) {
            throw new IllegalArgumentException("TestBlockValidity failed: " + check);
        }
        RawBlock solved = solve(block);
        if (submit) {
            String result = submitBlock(solved);
            if (result != null) {
                throw new IllegalStateException("Block was not accepted: " + result);
            }
        }
        return solved;
    }

    // ---- mempool -------------------------------------------------------------------------------

    /**
     * AcceptToMemoryPool as sendrawtransaction drives it; returns the txid. {@code maxFeeRatePerKvB}
     * 0 disables the absurd-fee check.
     */
    public synchronized Sha256Hash acceptTransaction(Transaction tx, long maxFeeRatePerKvB) throws TxRejected {
        Sha256Hash txid = tx.getTxId();
        // BroadcastTransaction's order: confirmed outputs first, then "already in the mempool" (by
        // txid, whatever the witness) is a success that returns the txid.
        for (TransactionOutput o : tx.getOutputs()) {
            if (utxos.containsKey(new OutPointKey(txid, o.getIndex()))) {
                throw new TxRejected(TxRejected.RPC_TRANSACTION_ALREADY_IN_CHAIN, "Transaction outputs already in utxo set", null);
            }
        }
        if (mempool.contains(txid)) {
            return txid;
        }
        int rejected = TxRejected.RPC_TRANSACTION_REJECTED;
        BlockRules.checkTransaction(tx);
        if (tx.isCoinBase()) {
            throw new TxRejected(rejected, "coinbase", null);
        }
        String nonStandard = StandardPolicy.nonStandardReason(tx);
        if (nonStandard != null) {
            throw new TxRejected(rejected, nonStandard, null);
        }
        if (RawBlock.strippedSize(tx) < 65) {
            throw new TxRejected(rejected, "tx-size-small", null);
        }
        BlockRecord tip = tip();
        int spendHeight = tip.height() + 1;
        if (!BlockRules.isFinal(tx, spendHeight, tip.medianTimePast())) {
            throw new TxRejected(rejected, "non-final", null);
        }
        for (TransactionInput in : tx.getInputs()) {
            if (mempool.spenderOf(OutPointKey.of(in.getOutpoint())) != null) {
                // No replace-by-fee in this node: a conflicting spend is refused outright.
                throw new TxRejected(rejected, "txn-mempool-conflict", null);
            }
        }
        List<Utxo> prevouts = new ArrayList<>();
        Set<Sha256Hash> parents = new java.util.LinkedHashSet<>();
        for (TransactionInput in : tx.getInputs()) {
            OutPointKey key = OutPointKey.of(in.getOutpoint());
            Utxo u = utxos.get(key);
            if (u == null) {
                MempoolEntry parent = mempool.get(key.txid());
                if (parent != null && key.index() < parent.tx().getOutputs().size()) {
                    TransactionOutput o = parent.tx().getOutput(key.index());
                    u = new Utxo(o.getValue().value, o.getScriptBytes(), Integer.MAX_VALUE, false);
                    parents.add(parent.txid());
                }
            }
            if (u == null) {
                throw new TxRejected(TxRejected.RPC_TRANSACTION_ERROR, "bad-txns-inputs-missingorspent", null);
            }
            prevouts.add(u);
        }
        long in = 0;
        for (Utxo u : prevouts) {
            if (u.coinbase() && spendHeight - u.height() < RegtestConsensus.COINBASE_MATURITY) {
                throw new TxRejected(rejected, "bad-txns-premature-spend-of-coinbase", "tried to spend coinbase at depth " + (spendHeight - u.height()));
            }
            in += u.value();
        }
        long out = tx.getOutputSum().value;
        if (in < out) {
            throw new TxRejected(rejected, "bad-txns-in-belowout", "value in (" + money(in) + ") < value out (" + money(out) + ")");
        }
        long fee = in - out;
        int vsize = tx.getVsize();
        // CFeeRate::GetFee rounds up since v30 (EvaluateFeeUp)
        long minFee = (RegtestConsensus.MIN_RELAY_FEE_PER_KVB * vsize + 999) / 1000;
        if (fee < minFee) {
            throw new TxRejected(rejected, "min relay fee not met", fee + " < " + minFee);
        }
        for (int i = 0; i < prevouts.size(); i++) {
            try {
                ScriptChecks.verifyInput(tx, i, prevouts.get(i));
            } catch (ScriptChecks.ScriptFailure f) {
                throw new TxRejected(rejected, f.mempoolReason(), null);
            }
        }
        scriptsVerified.add(tx.getWTxId());
        if (maxFeeRatePerKvB > 0 && fee > maxFeeRatePerKvB * vsize / 1000) {
            throw new TxRejected(TxRejected.RPC_TRANSACTION_ERROR, "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)", null);
        }
        int sigopCost = BlockRules.legacySigOps(tx) * RegtestConsensus.WITNESS_SCALE_FACTOR;
        for (Utxo u : prevouts) {
            sigopCost += ScriptChecks.witnessSigOps(u);
        }
        MempoolEntry entry = new MempoolEntry(tx, fee, vsize, tx.getWeight(), sigopCost, now(), tip.height(), new ArrayList<>(parents));
        mempool.add(entry);
        notifyAll();
        return txid;
    }

    /** Core's FormatMoney: at least two decimals, trailing zeros trimmed. */
    static String money(long sats) {
        String s = new java.math.BigDecimal(sats).movePointLeft(8).setScale(8).toPlainString();
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '0' && end > s.indexOf('.') + 3) {
            end--;
        }
        return s.substring(0, end);
    }

    static boolean isOpReturn(byte[] script) {
        return script.length > 0 && (script[0] & 0xff) == 0x6a;
    }

    /** CScript::IsUnspendable: OP_RETURN or over MAX_SCRIPT_SIZE (10,000 bytes). */
    static boolean isUnspendable(byte[] script) {
        return isOpReturn(script) || script.length > 10_000;
    }

    /**
     * CScriptNum::serialize of a non-negative value: minimal little-endian, with a 0x00 byte added
     * when the top bit is set. That is BigInteger's minimal two's complement, reversed; zero is empty.
     */
    static byte[] scriptNum(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("negative extra nonce " + value);
        }
        return value == 0 ? new byte[0] : Hex.reverse(BigInteger.valueOf(value).toByteArray());
    }
}
