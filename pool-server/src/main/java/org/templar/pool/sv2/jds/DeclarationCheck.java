package org.templar.pool.sv2.jds;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;
import org.templar.payout.coinbase.PayoutPlan;
import org.templar.pool.job.CoinbaseBuilder;
import org.templar.pool.job.Template;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.node.BoundedCalls;
import org.templar.pool.node.NodeClient;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Sv2JobDeclaration.DeclareMiningJob;
import org.templar.pool.sv2.codec.U256;
import org.templar.share.Hex;
import org.templar.share.MerkleBranch;
import org.templar.share.Sha256;
import org.templar.share.CompactSize;

/**
 * The Full-Template check of one DeclareMiningJob, in stages the session runs in order:
 * {@link #prepare} (on the event loop: token, coinbase structure, BIP34 height, pool output),
 * {@link #lookup} (node: which declared transactions the pool's node has), {@link #withProvided}
 * (the miner's answer to ProvideMissingTransactions), and {@link #finish} (node: the assembled block
 * through BIP23 proposal mode, then the template's revenue and the pool output's share of it).
 * Each stage returns a new immutable value; nothing here touches a channel.
 *
 * <p>Only RPCs Bitcoin Core has: {@code getrawmempool} and {@code getmempoolentry} (through the
 * {@link MempoolView}: wtxid and base fee of each entry), {@code getrawtransaction} (data of mempool
 * entries the pool's template lacks), {@code gettxout}
 * (the value of each input of a transaction the miner provided, so its fee is known without
 * {@code -txindex}), and {@code getblocktemplate} in proposal mode.
 */
public final class DeclarationCheck {
    private final DeclareMiningJob message;
    private final MiningJobTokens.Allocation allocation;
    private final Template template;
    private final DeclaredCoinbase coinbase;
    private final long poolOutputSats;
    /** The plan of extension 0x0003's payout set, which the declared job carries (see {@link DeclaredJob}). */
    private final Optional<PayoutPlan> jobPayout;
    /** Per position of wtxid_list: the transaction when known, else null. */
    private final BlockTemplate.Tx[] known;

    private DeclarationCheck(DeclareMiningJob message, MiningJobTokens.Allocation allocation, Template template,
            DeclaredCoinbase coinbase, long poolOutputSats, Optional<PayoutPlan> jobPayout, BlockTemplate.Tx[] known) {
        this.message = message;
        this.allocation = allocation;
        this.template = template;
        this.coinbase = coinbase;
        this.poolOutputSats = poolOutputSats;
        this.jobPayout = jobPayout;
        this.known = known;
    }

    /** A refusal: DeclareMiningJob.Error's code and a human-readable detail. */
    public static class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final String code;

        public Refused(String code, String detail) {
            super(detail);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /**
     * A declaration for the block after the pool's next one: the miner's node has a block the pool's
     * node does not have yet (often the very block this miner just found). Worth a short wait for the
     * pool's node to catch up before refusing.
     */
    public static final class AheadOfThePool extends Refused {
        private static final long serialVersionUID = 1L;

        AheadOfThePool(String code, String detail) {
            super(code, detail);
        }
    }

    public DeclareMiningJob message() {
        return message;
    }

    /** Stage 1, on the event loop: everything that needs no node. */
    public static DeclarationCheck prepare(DeclareMiningJob m, MiningJobTokens.Allocation allocation, Template template)
            throws Refused {
        return prepare(m, allocation, template, null);
    }

    /**
     * Stage 1 with extension 0x0003's payout set: when {@code payout} is given, the coinbase must pay
     * every one of its outputs (as a multiset, in any order), and what they sum to is the pool's part
     * of the revenue instead of the pool payout output's.
     */
    public static DeclarationCheck prepare(DeclareMiningJob m, MiningJobTokens.Allocation allocation, Template template,
            MiningJobTokens.PayoutSet payout) throws Refused {
        if (template == null) {
            throw new Refused(JdsErrorCodes.invalidParam("prev_hash"), "the pool has no block template yet");
        }
        DeclaredCoinbase cb;
        try {
            cb = DeclaredCoinbase.parseDeclared(m.coinbaseTxPrefix().toArray(), m.coinbaseTxSuffix().toArray());
        } catch (DeclaredCoinbase.Invalid e) {
            throw new Refused(JdsErrorCodes.invalidParam(e.field()), e.getMessage());
        }
        int height = template.blockTemplate().height();
        if (cb.height() != height) {
            String detail = "the coinbase scriptSig must begin with the BIP34 height " + height + " of the next block;"
                    + " it gives " + cb.height();
            throw cb.height() == height + 1 ? new AheadOfThePool(JdsErrorCodes.invalidParam("coinbase_tx_prefix"), detail)
                    : new Refused(JdsErrorCodes.invalidParam("coinbase_tx_prefix"), detail);
        }
        long poolOutput;
        if (payout != null) {
            if (!payout.prevHash().equals(Bytes.of(template.blockTemplate().previousBlockHash()))) {
                throw new Refused(JdsErrorCodes.STALE_PAYOUT_OUTPUTS, "the payout outputs were planned on another tip"
                        + " than the pool's current one; request fresh ones");
            }
            var unpaid = cb.outputs().firstUnpaid(payout.outputs());
            if (unpaid.isPresent()) {
                throw new Refused(JdsErrorCodes.INVALID_PAYOUT_OUTPUTS, "the coinbase does not pay the payout output "
                        + unpaid.get() + " (missing, changed or reduced)");
            }
            poolOutput = payout.value();
        } else {
            poolOutput = cb.outputs().valueTo(allocation.payoutScript().toArray());
        }
        if (poolOutput <= 0) {
            throw new Refused(JdsErrorCodes.invalidParam("coinbase_tx_suffix"), "the coinbase pays nothing to the pool"
                    + " payout output " + allocation.payoutScript().toHex());
        }
        Set<U256> seen = new HashSet<>();
        for (U256 w : m.wtxidList()) {
            if (!seen.add(w)) {
                throw new Refused(JdsErrorCodes.invalidParam("wtxid_list"), "wtxid " + display(w) + " is listed twice");
            }
        }
        return new DeclarationCheck(m, allocation, template, cb, poolOutput,
                payout == null ? Optional.empty() : payout.jobPayout(), new BlockTemplate.Tx[m.wtxidList().size()]);
    }

    /**
     * Stage 2: finds each declared transaction in the pool's template (data and fee at hand), else in
     * the JDS's view of the node's mempool (fee from the view, data by {@code getrawtransaction}),
     * refreshing the view first when it is older than the policy allows (rare while declarations keep
     * coming: the view then refreshes itself in the background). No node call at all when the
     * template holds every declared transaction.
     */
    public CompletableFuture<DeclarationCheck> lookup(JobDeclarations jd) {
        NodeClient node = jd.nodes().primary();
        MempoolView mempool = jd.mempool();
        Map<Bytes, BlockTemplate.Tx> inTemplate = jd.transactionsOf(template);
        BlockTemplate.Tx[] found = known.clone();
        List<Integer> fromMempool = new ArrayList<>();
        for (int i = 0; i < found.length; i++) {
            BlockTemplate.Tx t = inTemplate.get(Bytes.of(message.wtxidList().get(i).toArray()));
            if (t != null) {
                found[i] = t;
            } else {
                fromMempool.add(i);
            }
        }
        if (fromMempool.isEmpty()) {
            return CompletableFuture.completedFuture(with(found));
        }
        return mempool.freshForDeclaration(node, jd.settings().mempoolMaxAge()).thenCompose(v -> {
            List<CompletableFuture<Void>> fetches = new ArrayList<>();
            for (int i : fromMempool) {
                byte[] wtxid = message.wtxidList().get(i).toArray();
                MempoolView.Entry e = mempool.get(wtxid).orElse(null);
                if (e == null) {
                    continue; // the miner must provide it
                }
                String txid = Hex.encode(Hex.reverse(e.txid()));
                fetches.add(jd.nodeCalls().submit(() -> node.getRawTransaction(txid)).thenAccept(data -> {
                    found[i] = new BlockTemplate.Tx(data, e.txid(), wtxid, e.feeSats(), 0);
                }).exceptionally(err -> null)); // left the mempool meanwhile: the miner provides it
            }
            return CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new)).thenApply(x -> with(found));
        });
    }

    /** Positions (0-indexed in wtxid_list) the pool does not have: what ProvideMissingTransactions asks for. */
    public List<Integer> missing() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < known.length; i++) {
            if (known[i] == null) {
                out.add(i);
            }
        }
        return out;
    }

    /**
     * Stage 3, on the event loop: the transactions the miner provided, in the order they were asked
     * for. Each must hash to the wtxid it was declared with. Their fees are not known yet (-1).
     */
    public DeclarationCheck withProvided(List<Bytes> transactions) throws Refused {
        List<Integer> missing = missing();
        if (transactions.size() != missing.size()) {
            throw new Refused(JdsErrorCodes.invalidParam("transaction_list"), "asked for " + missing.size()
                    + " transactions, got " + transactions.size());
        }
        BlockTemplate.Tx[] found = known.clone();
        for (int k = 0; k < missing.size(); k++) {
            int i = missing.get(k);
            byte[] data = transactions.get(k).toArray();
            Transaction tx;
            try {
                tx = Transaction.read(ByteBuffer.wrap(data));
            } catch (RuntimeException e) {
                throw new Refused(JdsErrorCodes.invalidParam("transaction_list"), "transaction " + k + " does not parse: "
                        + e.getMessage());
            }
            byte[] wtxid = tx.getWTxId().getReversedBytes();
            if (!Arrays.equals(wtxid, message.wtxidList().get(i).toArray())) {
                throw new Refused(JdsErrorCodes.invalidParam("transaction_list"), "transaction " + k + " has wtxid "
                        + tx.getWTxId() + ", position " + i + " declared " + display(message.wtxidList().get(i)));
            }
            found[i] = new BlockTemplate.Tx(data, tx.getTxId().getReversedBytes(), wtxid, -1, 0);
        }
        return with(found);
    }

    /**
     * Stage 4: the block the declaration describes (zero extranonce, the pool's tip, time and bits),
     * checked by the pool's node in BIP23 proposal mode; then the fees of the provided transactions,
     * the template's revenue and the pool output's share of it.
     */
    public CompletableFuture<DeclaredJob.Builder> finish(NodeClient node, BoundedCalls calls, JdsSettings settings) {
        if (!missing().isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException("transactions still missing: " + missing()));
        }
        BlockTemplate pool = template.blockTemplate();
        List<byte[]> txids = new ArrayList<>(known.length);
        for (BlockTemplate.Tx t : known) {
            txids.add(t.txid());
        }
        MerkleBranch branch = MerkleBranch.forCoinbase(txids);
        String blockHex = Hex.encode(assemble(coinbase, branch, known, (int) message.version(), pool.previousBlockHash(),
                (int) pool.curTime(), pool.bits(), new byte[coinbase.extranonceSize()], 0));
        return node.proposeBlock(blockHex).thenCompose(reason -> {
            if (reason != null) {
                throw new RefusedCompletion(new Refused(JdsErrorCodes.invalidParam("wtxid_list"),
                        "the pool's node rejected the declared block: " + reason));
            }
            return fees(node, calls);
        }).thenApply(fees -> {
            long subsidy = pool.coinbaseValue() - pool.totalFees();
            long revenue = subsidy + fees;
            double weight = DeclaredJob.weight(poolOutputSats, revenue);
            if (weight < settings.minPoolShare()) {
                throw new RefusedCompletion(new Refused(JdsErrorCodes.invalidParam("coinbase_tx_suffix"), String.format(
                        java.util.Locale.ROOT, "the pool payout output gets %d of %d sat (%.2f %%) of the template's"
                                + " revenue; this pool requires at least %.2f %%", poolOutputSats, revenue, 100 * weight,
                        100 * settings.minPoolShare())));
            }
            List<BlockTemplate.Tx> txs = List.of(known);
            return new DeclaredJob.Builder(allocation.user(), allocation.connectionId(), allocation.payoutScript(),
                    message.version(), Bytes.of(pool.previousBlockHash()), pool.bits(), pool.height(), pool.curTime(),
                    coinbase, txs, branch, revenue, poolOutputSats, jobPayout);
        });
    }

    /** A refusal travelling through a CompletableFuture chain. */
    public static final class RefusedCompletion extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final Refused refused;

        RefusedCompletion(Refused refused) {
            super(refused.getMessage(), null, false, false);
            this.refused = refused;
        }

        public Refused refused() {
            return refused;
        }
    }

    /**
     * Sum of the fees of all declared transactions. Template and mempool entries carry theirs; a
     * provided transaction's fee is its inputs' value minus its outputs'. An input's value comes from
     * an earlier transaction of the same block, else from the node's UTXO set with its mempool
     * ({@code gettxout}), else from the UTXO set alone (an output a conflicting mempool transaction
     * spends: the proposal check already found the block valid, so the output is unspent on chain).
     */
    private CompletableFuture<Long> fees(NodeClient node, BoundedCalls calls) {
        long knownFees = 0;
        Map<String, Transaction> inBlock = new HashMap<>();
        List<Transaction> provided = new ArrayList<>();
        for (BlockTemplate.Tx t : known) {
            if (t.fee() >= 0) {
                knownFees += t.fee();
            } else {
                provided.add(Transaction.read(ByteBuffer.wrap(t.data())));
            }
        }
        if (provided.isEmpty()) {
            return CompletableFuture.completedFuture(knownFees);
        }
        Set<String> neededParents = new HashSet<>();
        for (Transaction tx : provided) {
            for (TransactionInput in : tx.getInputs()) {
                neededParents.add(in.getOutpoint().hash().toString());
            }
        }
        for (BlockTemplate.Tx t : known) {
            String txid = Hex.encode(Hex.reverse(t.txid()));
            if (neededParents.contains(txid)) {
                inBlock.put(txid, Transaction.read(ByteBuffer.wrap(t.data())));
            }
        }
        List<CompletableFuture<Long>> inputValues = new ArrayList<>();
        long outputs = 0;
        for (Transaction tx : provided) {
            outputs += tx.getOutputSum().getValue();
            for (TransactionInput in : tx.getInputs()) {
                String parent = in.getOutpoint().hash().toString();
                long index = in.getOutpoint().index();
                Transaction p = inBlock.get(parent);
                if (p != null && index < p.getOutputs().size()) {
                    inputValues.add(CompletableFuture.completedFuture(p.getOutput(index).getValue().getValue()));
                    continue;
                }
                inputValues.add(calls.submit(() -> node.getTxOut(parent, index, true))
                        .thenCompose(o -> o.isPresent() ? CompletableFuture.completedFuture(o)
                                : calls.submit(() -> node.getTxOut(parent, index, false)))
                        .thenApply(o -> o.map(NodeClient.UnspentOutput::valueSats).orElseThrow(() -> new RefusedCompletion(
                                new Refused(JdsErrorCodes.invalidParam("transaction_list"), "input " + parent + ":"
                                        + index + " of " + tx.getTxId() + " is unknown to the pool's node")))));
            }
        }
        long outputSum = outputs;
        long base = knownFees;
        return CompletableFuture.allOf(inputValues.toArray(CompletableFuture[]::new)).thenApply(v -> {
            long in = 0;
            for (CompletableFuture<Long> f : inputValues) {
                in += f.join();
            }
            return base + in - outputSum;
        });
    }

    /** The serialized block: header, transaction count, the coinbase with its witness, the transactions. */
    static byte[] assemble(DeclaredCoinbase coinbase, MerkleBranch branch, BlockTemplate.Tx[] txs, int version,
            byte[] prevHash, int ntime, int nbits, byte[] extranonce, int nonce) {
        CoinbaseBuilder.Halves halves = coinbase.halves();
        byte[] txidForm = concat(halves.prefix(), extranonce, halves.suffix());
        byte[] root = branch.rootFrom(Sha256.hashTwice(txidForm));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header(version, prevHash, root, ntime, nbits, nonce));
        CompactSize.write(out, 1 + txs.length);
        out.writeBytes(halves.withWitness(extranonce));
        for (BlockTemplate.Tx t : txs) {
            out.writeBytes(t.data());
        }
        return out.toByteArray();
    }

    static byte[] header(int version, byte[] prevHash, byte[] merkleRoot, int ntime, int nbits, int nonce) {
        ByteArrayOutputStream h = new ByteArrayOutputStream(80);
        DeclaredCoinbase.writeU32(h, version);
        h.writeBytes(prevHash);
        h.writeBytes(merkleRoot);
        DeclaredCoinbase.writeU32(h, ntime);
        DeclaredCoinbase.writeU32(h, nbits);
        DeclaredCoinbase.writeU32(h, nonce);
        return h.toByteArray();
    }

    private DeclarationCheck with(BlockTemplate.Tx[] found) {
        return new DeclarationCheck(message, allocation, template, coinbase, poolOutputSats, jobPayout, found);
    }

    static byte[] concat(byte[] a, byte[] b, byte[] c) {
        byte[] out = new byte[a.length + b.length + c.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        System.arraycopy(c, 0, out, a.length + b.length, c.length);
        return out;
    }

    /** A U256 hash as the node displays it. */
    static String display(U256 hash) {
        return Hex.encode(Hex.reverse(hash.toArray()));
    }
}
