package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bitcoinj.core.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.pool.node.BoundedCalls;
import org.templar.pool.node.NodeClient;
import org.templar.pool.node.NodeEndpoint;
import org.templar.pool.sv2.jds.MempoolView;
import org.templar.regtest.OutPointKey;
import org.templar.regtest.RegtestNode;
import org.templar.regtest.RegtestWallet;
import org.templar.share.Hex;

/**
 * The JDS's index of its node's mempool against the embedded node over real JSON-RPC: what it finds by
 * wtxid (with the node's fee), what it forgets when a block takes the transactions, and the one
 * verbose call it makes instead of hundreds of getmempoolentry calls.
 */
@Timeout(120)
class MempoolViewTest {
    @Test
    void findsByWtxidWithTheFeeForgetsWhatABlockTookAndCatchesUpInBulk() throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            Map<String, Integer> calls = new java.util.concurrent.ConcurrentHashMap<>();
            NodeClient client = new NodeClient(new NodeEndpoint(node.rpcUri(), node.rpcUser(), node.rpcPassword(),
                    Optional.empty()), Duration.ofSeconds(30), (n, method, nanos, outcome) -> calls.merge(method, 1,
                            Integer::sum));
            node.generateToAddress(105, wallet.address());
            MempoolView view = new MempoolView(new BoundedCalls(4), System::nanoTime);
            view.fresh(client, Duration.ZERO).get(30, TimeUnit.SECONDS);
            assertEquals(0, view.size());

            // a few new ones: found by wtxid (internal byte order) with the fee getmempoolentry gives
            byte[] tx = Hex.decode(wallet.payFromMatureCoinbase(node.chain(), wallet.address(), 100_000_000L, 12_345));
            client.rpc().call("sendrawtransaction", Hex.encode(tx)).get(30, TimeUnit.SECONDS);
            Transaction parsed = Transaction.read(ByteBuffer.wrap(tx));
            byte[] wtxid = parsed.getWTxId().getReversedBytes();
            assertTrue(view.get(wtxid).isEmpty(), "not before a refresh");
            view.fresh(client, Duration.ofHours(1)).get(30, TimeUnit.SECONDS);
            assertTrue(view.get(wtxid).isEmpty(), "a view younger than the age asked for is not refreshed");
            calls.clear();
            view.fresh(client, Duration.ZERO).get(30, TimeUnit.SECONDS);
            assertEquals(Map.of("getrawmempool", 1, "getmempoolentry", 1), calls, "txids, then the one unseen entry");
            MempoolView.Entry e = view.get(wtxid).orElseThrow();
            assertEquals(12_345, e.feeSats());
            assertEquals(parsed.getTxId().toString(), Hex.encode(org.templar.share.Hex.reverse(e.txid())));

            // many at once (a chain of spends): more than the bulk threshold, one verbose call
            List<byte[]> chained = new ArrayList<>();
            ArrayDeque<Map.Entry<OutPointKey, Long>> outs = new ArrayDeque<>();
            var coin = wallet.matureCoinbase(node.chain()).orElseThrow();
            outs.add(Map.entry(coin.getKey(), coin.getValue().value()));
            while (chained.size() < 600) {
                var in = outs.poll();
                byte[] t = Hex.decode(wallet.spend(in.getKey(), in.getValue(), wallet.address(), (in.getValue() - 500) / 2,
                        500));
                Transaction p = Transaction.read(ByteBuffer.wrap(t));
                for (int i = 0; i < p.getOutputs().size(); i++) {
                    outs.add(Map.entry(new OutPointKey(p.getTxId(), i), p.getOutput(i).getValue().value));
                }
                client.rpc().call("sendrawtransaction", Hex.encode(t)).get(30, TimeUnit.SECONDS);
                chained.add(t);
            }
            calls.clear();
            view.fresh(client, Duration.ZERO).get(60, TimeUnit.SECONDS);
            assertEquals(Map.of("getrawmempool", 2), calls, "txids, then one verbose call for the 600 unseen");
            assertEquals(601, view.size());
            for (byte[] t : chained) {
                assertEquals(500, view.get(Transaction.read(ByteBuffer.wrap(t)).getWTxId().getReversedBytes())
                        .orElseThrow().feeSats());
            }

            // a block takes them all: the next refresh forgets them
            node.generateToAddress(1, wallet.address());
            view.fresh(client, Duration.ZERO).get(30, TimeUnit.SECONDS);
            assertEquals(0, view.size());
            assertFalse(view.get(wtxid).isPresent());
        }
    }

    @Test
    void whileDeclarationsComeTheViewRefreshesItselfSoTheyDoNotWait() throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            NodeClient client = new NodeClient(new NodeEndpoint(node.rpcUri(), node.rpcUser(), node.rpcPassword(),
                    Optional.empty()), Duration.ofSeconds(30));
            node.generateToAddress(105, wallet.address());
            java.util.concurrent.atomic.AtomicLong skew = new java.util.concurrent.atomic.AtomicLong();
            MempoolView view = new MempoolView(new BoundedCalls(4), () -> System.nanoTime() + skew.get());
            Duration maxAge = Duration.ofSeconds(1);
            view.freshForDeclaration(client, maxAge).get(30, TimeUnit.SECONDS);
            assertEquals(1, view.waits(), "the first declaration waits: the view has never been refreshed");
            assertTrue(view.keepingWarm());

            // a transaction reaches the node; no declaration asks, yet the view learns it by itself
            byte[] tx = Hex.decode(wallet.payFromMatureCoinbase(node.chain(), wallet.address(), 100_000_000L, 4_321));
            client.rpc().call("sendrawtransaction", Hex.encode(tx)).get(30, TimeUnit.SECONDS);
            byte[] wtxid = Transaction.read(ByteBuffer.wrap(tx)).getWTxId().getReversedBytes();
            PoolHarness.await(Duration.ofSeconds(10), () -> view.get(wtxid).isPresent(), "a background refresh");
            assertEquals(4_321, view.get(wtxid).orElseThrow().feeSats());
            // declarations every 100 ms for 2 s find it young enough: none waits
            long waitsBefore = view.waits();
            for (int i = 0; i < 20; i++) {
                assertTrue(view.freshForDeclaration(client, maxAge).isDone(), "declaration " + i + " waited");
                Thread.sleep(100); // the pace of declarations, not a synchronization
            }
            assertEquals(waitsBefore, view.waits());

            // no declaration for longer than it keeps warm: it stops asking the node
            skew.addAndGet(Duration.ofSeconds(31).toNanos());
            PoolHarness.await(Duration.ofSeconds(10), () -> !view.keepingWarm(), "the background refreshes stop");
            long refreshes = view.refreshes();
            Thread.sleep(3 * maxAge.toMillis()); // several periods: nothing more is asked
            assertEquals(refreshes, view.refreshes());

            // stopped (the pool is closing): a declaration is still answered, nothing runs after it
            view.stop();
            view.freshForDeclaration(client, maxAge).get(30, TimeUnit.SECONDS);
            assertTrue(!view.keepingWarm());
        }
    }
}
