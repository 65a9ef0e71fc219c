package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.crypto.ECKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.payout.ShareRecord;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerConfig;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import org.templar.pool.sv2.noise.AuthorityPublicKey;
import org.templar.share.BlockHeader;
import org.templar.share.Hex;
import org.templar.share.Sha256;
import org.templar.share.Target;

/**
 * The Stratum V2 mining server end to end: the real pool (embedded regtest node, H2 ledger) and a
 * real SV2 client over Noise on loopback. Shares are found by hashing here, in the test, from what
 * the pool sent; blocks must be accepted by the node and shares credited in the ledger.
 *
 * <p>The pool runs at a tiny minimum difficulty so that a channel opened with nominal hashrate 0
 * gets the easiest possible target: then a hash can be a valid share without solving a block
 * (regtest's network target accepts about half of all hashes), which the duplicate and
 * difficulty tests need.
 */
@Timeout(180)
class Sv2MiningTest {
    private static final U256 ANY_TARGET = U256.of(filled((byte) 0xff));

    static byte[] filled(byte b) {
        byte[] a = new byte[32];
        Arrays.fill(a, b);
        return a;
    }

    static String newAddress() {
        return new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString();
    }

    static PoolHarness startPool(Path dir) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("sv2.listen", "127.0.0.1:0");
        o.put("vardiff.minimum", "1e-10");
        o.put("vardiff.initial", "1e-10");
        return PoolHarness.start(dir, o);
    }

    static Sv2TestClient connect(PoolHarness pool) throws Exception {
        AuthorityPublicKey key = pool.pool().authority().orElseThrow().publicKey();
        return new Sv2TestClient(pool.pool().sv2Address(), key);
    }

    /** A channel's view of its current job, enough to build headers. */
    record Work(long channelId, long jobId, int version, byte[] prevHash, byte[] merkleRoot, int ntime, int nbits) {
        byte[] header(int nonce) {
            return BlockHeader.serialize(version, prevHash, merkleRoot, ntime, nbits, nonce);
        }

        Target network() {
            return Target.fromCompact(nbits);
        }
    }

    /** First nonce from {@code start} whose header hash meets {@code share} and is (or is not) a block. */
    static int findNonce(Work w, Target share, boolean block, int start) {
        for (int nonce = start; nonce < start + 5_000_000; nonce++) {
            byte[] hash = Sha256.hashTwice(w.header(nonce));
            if (share.isMetBy(hash) && w.network().isMetBy(hash) == block) {
                return nonce;
            }
        }
        throw new AssertionError("no nonce found");
    }

    /** First nonce whose hash misses both {@code share} and the network target. */
    static int findMiss(Work w, Target share, int start) {
        for (int nonce = start; nonce < start + 5_000_000; nonce++) {
            byte[] hash = Sha256.hashTwice(w.header(nonce));
            if (!share.isMetBy(hash) && !w.network().isMetBy(hash)) {
                return nonce;
            }
        }
        throw new AssertionError("no nonce found");
    }

    static Target target(U256 u) {
        return Target.fromLittleEndian(u.toArray());
    }

    static byte[] blockHashInternal(byte[] header) {
        return Sha256.hashTwice(header);
    }

    /** The address the coinbase of block {@code hashDisplay} pays (sum of outputs to it). */
    static long paidTo(PoolHarness pool, String hashDisplay, String address) throws Exception {
        JsonNode block = pool.rpc("getblock", hashDisplay, 2);
        long sats = 0;
        for (JsonNode out : block.get("tx").get(0).get("vout")) {
            if (address.equals(out.path("scriptPubKey").path("address").asText())) {
                sats += Math.round(out.get("value").asDouble() * 1e8);
            }
        }
        return sats;
    }

    private static Sv2Mining.SubmitSharesStandard standard(Work w, long seq, int nonce) {
        return new Sv2Mining.SubmitSharesStandard(w.channelId(), seq, w.jobId(), nonce & 0xffffffffL,
                w.ntime() & 0xffffffffL, w.version() & 0xffffffffL);
    }

    private static String error(Sv2Mining.SubmitSharesError e) {
        return e.errorCode().text();
    }

    private static Work standardWork(Sv2Mining.NewMiningJob job, Sv2Mining.SetNewPrevHash prev, long channel) {
        return new Work(channel, job.jobId(), (int) job.version(), prev.prevHash().toArray(), job.merkleRoot().toArray(),
                (int) prev.minNtime(), (int) prev.nbits());
    }

    // ------------------------------------------------------------------ setup

    @Test
    void setupConnectionSuccessAndRefusals(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = startPool(dir)) {
            // the authority key was created in the data directory on first start
            Path keyFile = PoolRuntime.authorityKeyFile(dir);
            assertTrue(Files.exists(keyFile));
            assertEquals(AuthorityKeyPair.load(keyFile).publicKey(), pool.pool().authority().orElseThrow().publicKey());

            try (Sv2TestClient c = connect(pool)) {
                c.send(Sv2TestClient.setup(Sv2Common.SetupConnection.REQUIRES_VERSION_ROLLING));
                Sv2Common.SetupConnectionSuccess ok = c.await(Sv2Common.SetupConnectionSuccess.class);
                assertEquals(2, ok.usedVersion());
                assertEquals(0, ok.flags() & Sv2Common.SetupConnectionSuccess.REQUIRES_FIXED_VERSION);
            }
            try (Sv2TestClient c = connect(pool)) {
                c.send(Sv2TestClient.setup(Sv2Common.SetupConnection.REQUIRES_WORK_SELECTION
                        | Sv2Common.SetupConnection.REQUIRES_STANDARD_JOBS));
                Sv2Common.SetupConnectionError e = c.await(Sv2Common.SetupConnectionError.class);
                assertEquals("unsupported-feature-flags", e.errorCode().text());
                assertEquals(Sv2Common.SetupConnection.REQUIRES_WORK_SELECTION, e.flags(), "exactly the unsupported flags");
                assertTrue(c.awaitClosed(Duration.ofSeconds(10)));
            }
            try (Sv2TestClient c = connect(pool)) {
                c.send(Sv2TestClient.setup(Sv2Common.SetupConnection.PROTOCOL_TEMPLATE_DISTRIBUTION, 2, 2, 0));
                assertEquals("unsupported-protocol", c.await(Sv2Common.SetupConnectionError.class).errorCode().text());
                assertTrue(c.awaitClosed(Duration.ofSeconds(10)));
            }
            try (Sv2TestClient c = connect(pool)) {
                c.send(Sv2TestClient.setup(0, 3, 4, 0));
                assertEquals("protocol-version-mismatch", c.await(Sv2Common.SetupConnectionError.class).errorCode().text());
                assertTrue(c.awaitClosed(Duration.ofSeconds(10)));
            }
            try (Sv2TestClient c = connect(pool)) {
                c.send(new Sv2Mining.OpenStandardMiningChannel(1, Str0255.of(newAddress()), 0f, ANY_TARGET));
                assertTrue(c.awaitClosed(Duration.ofSeconds(10)), "a message before SetupConnection closes the connection");
                assertTrue(c.drain(Duration.ofMillis(100)).isEmpty(), "and nothing is answered");
            }
            // an unknown user is refused per channel, the connection stays
            try (Sv2TestClient c = connect(pool)) {
                c.send(Sv2TestClient.setup(0));
                c.await(Sv2Common.SetupConnectionSuccess.class);
                c.send(new Sv2Mining.OpenStandardMiningChannel(7, Str0255.of("not-an-address"), 0f, ANY_TARGET));
                Sv2Mining.OpenMiningChannelError e = c.await(Sv2Mining.OpenMiningChannelError.class);
                assertEquals(7, e.requestId());
                assertEquals("unknown-user", e.errorCode().text());
                c.send(new Sv2Mining.OpenStandardMiningChannel(8, Str0255.of(newAddress()), 0f, ANY_TARGET));
                assertEquals(8, c.await(Sv2Mining.OpenStandardMiningChannelSuccess.class).requestId());
            }
        }
    }

    // ------------------------------------------------------------------ standard channel

    @Test
    void standardChannelMinesSharesAndBlocks(@TempDir Path dir) throws Exception {
        String address = newAddress();
        try (PoolHarness pool = startPool(dir); Sv2TestClient c = connect(pool)) {
            int startHeight = pool.height();
            c.send(Sv2TestClient.setup(Sv2Common.SetupConnection.REQUIRES_STANDARD_JOBS));
            c.await(Sv2Common.SetupConnectionSuccess.class);
            c.send(new Sv2Mining.OpenStandardMiningChannel(1, Str0255.of(address + ".rig1"), 0f, ANY_TARGET));
            Sv2Mining.OpenStandardMiningChannelSuccess open = c.await(Sv2Mining.OpenStandardMiningChannelSuccess.class);
            assertEquals(1, open.requestId());
            assertEquals(8, open.extranoncePrefix().length(), "the prefix is the channel's whole extranonce");
            long ch = open.channelId();

            // first a future job, then SetNewPrevHash activating it on the node's tip
            Sv2Mining.NewMiningJob job = c.await(Sv2Mining.NewMiningJob.class);
            assertEquals(ch, job.channelId());
            assertTrue(job.minNtime().isEmpty(), "first job is a future job");
            Sv2Mining.SetNewPrevHash prev = c.await(Sv2Mining.SetNewPrevHash.class);
            assertEquals(job.jobId(), prev.jobId());
            String tip = pool.rpc("getbestblockhash").asText();
            assertEquals(tip, Hex.encode(Hex.reverse(prev.prevHash().toArray())));
            Work w = standardWork(job, prev, ch);
            Target share = target(open.target());

            // a valid share that is not a block: accepted, batched Success within about a second
            int nonce = findNonce(w, share, false, 0);
            c.send(standard(w, 1, nonce));
            Sv2Mining.SubmitSharesSuccess ok = c.await(Sv2Mining.SubmitSharesSuccess.class);
            assertEquals(ch, ok.channelId());
            assertEquals(1, ok.lastSequenceNumber());
            assertEquals(1, ok.newSubmitsAcceptedCount());
            List<ShareRecord> shares = pool.pool().ledger().sharesFor(address, 10);
            assertEquals(1, shares.size(), "the acknowledged share is in the ledger");
            assertEquals("rig1", shares.get(0).workerName());
            assertEquals(Hex.encode(Hex.reverse(Sha256.hashTwice(w.header(nonce)))), shares.get(0).shareHash());

            // the same share again
            c.send(standard(w, 2, nonce));
            assertEquals("duplicate-share", error(c.await(Sv2Mining.SubmitSharesError.class)));
            // unknown channel, unknown job
            c.send(new Sv2Mining.SubmitSharesStandard(ch + 1000, 3, w.jobId(), nonce, w.ntime(), w.version()));
            Sv2Mining.SubmitSharesError bad = c.await(Sv2Mining.SubmitSharesError.class);
            assertEquals("invalid-channel-id", error(bad));
            assertEquals(3, bad.sequenceNumber());
            c.send(new Sv2Mining.SubmitSharesStandard(ch, 4, w.jobId() + 77, nonce, w.ntime(), w.version()));
            assertEquals("invalid-job-id", error(c.await(Sv2Mining.SubmitSharesError.class)));

            // a share that solves a block: accepted, and the node takes the block paying the address
            int blockNonce = findNonce(w, share, true, nonce + 1);
            byte[] blockHash = blockHashInternal(w.header(blockNonce));
            c.send(standard(w, 5, blockNonce));
            Sv2Mining.SubmitSharesSuccess ok2 = c.await(Sv2Mining.SubmitSharesSuccess.class);
            assertEquals(5, ok2.lastSequenceNumber());
            PoolHarness.await(Duration.ofSeconds(30), () -> {
                try {
                    return pool.height() > startHeight;
                } catch (Exception e) {
                    return false;
                }
            }, "the block reaches the node");
            String hashDisplay = Hex.encode(Hex.reverse(blockHash));
            assertEquals(hashDisplay, pool.rpc("getbestblockhash").asText());
            assertTrue(paidTo(pool, hashDisplay, address) > 0, "the coinbase pays the miner's address");

            // the new tip reaches the channel: a future job, then SetNewPrevHash activating it
            Sv2Mining.NewMiningJob future = c.await(Sv2Mining.NewMiningJob.class);
            assertTrue(future.minNtime().isEmpty());
            Sv2Mining.SetNewPrevHash newPrev = c.await(Sv2Mining.SetNewPrevHash.class);
            assertEquals(future.jobId(), newPrev.jobId());
            assertArrayEquals(blockHash, newPrev.prevHash().toArray());

            // a share on the old job is stale now
            int late = findMiss(w, Target.fromLittleEndian(new byte[32]), blockNonce + 1);
            c.send(standard(w, 6, late));
            assertEquals("stale-share", error(c.await(Sv2Mining.SubmitSharesError.class)));

            // UpdateChannel with a harder maximum target: SetTarget, then a job carrying it
            c.drain(Duration.ofMillis(200));
            byte[] hard = new byte[32];
            hard[29] = 0x01; // 2^232
            c.send(new Sv2Mining.UpdateChannel(ch, 0f, U256.of(hard)));
            Sv2Mining.SetTarget st = c.await(Sv2Mining.SetTarget.class);
            assertArrayEquals(hard, st.maximumTarget().toArray());
            Sv2Mining.NewMiningJob retargeted = c.await(Sv2Mining.NewMiningJob.class);
            assertTrue(retargeted.minNtime().isPresent(), "same tip: an active job");
            Work w2 = new Work(ch, retargeted.jobId(), (int) retargeted.version(), newPrev.prevHash().toArray(),
                    retargeted.merkleRoot().toArray(), (int) retargeted.minNtime().getAsLong(), (int) newPrev.nbits());
            int weak = findMiss(w2, Target.fromLittleEndian(hard), 0);
            c.send(standard(w2, 7, weak));
            assertEquals("difficulty-too-low", error(c.await(Sv2Mining.SubmitSharesError.class)));

            c.send(new Sv2Mining.UpdateChannel(ch + 1000, 0f, ANY_TARGET));
            assertEquals("invalid-channel-id", c.await(Sv2Mining.UpdateChannelError.class).errorCode().text());
        }
    }

    // ------------------------------------------------------------------ extended channel

    static byte[] merkleRoot(Sv2Mining.NewExtendedMiningJob job, byte[] prefix, byte[] extranonce) {
        byte[] p = job.coinbaseTxPrefix().toArray();
        byte[] s = job.coinbaseTxSuffix().toArray();
        byte[] cb = new byte[p.length + prefix.length + extranonce.length + s.length];
        System.arraycopy(p, 0, cb, 0, p.length);
        System.arraycopy(prefix, 0, cb, p.length, prefix.length);
        System.arraycopy(extranonce, 0, cb, p.length + prefix.length, extranonce.length);
        System.arraycopy(s, 0, cb, p.length + prefix.length + extranonce.length, s.length);
        byte[] acc = Sha256.hashTwice(cb);
        for (U256 step : job.merklePath()) {
            acc = Sha256.hashPair(acc, step.toArray());
        }
        return acc;
    }

    @Test
    void extendedChannelWithClientExtranonceAndWorkerTlv(@TempDir Path dir) throws Exception {
        String address = newAddress();
        try (PoolHarness pool = startPool(dir); Sv2TestClient c = connect(pool)) {
            int startHeight = pool.height();
            c.send(Sv2TestClient.setup(Sv2Common.SetupConnection.REQUIRES_VERSION_ROLLING));
            c.await(Sv2Common.SetupConnectionSuccess.class);
            c.send(new Sv2Mining.OpenExtendedMiningChannel(3, Str0255.of(address), 0f, ANY_TARGET, 6));
            Sv2Mining.OpenExtendedMiningChannelSuccess open = c.await(Sv2Mining.OpenExtendedMiningChannelSuccess.class);
            assertEquals(6, open.extranonceSize(), "the client gets at least what it asked for");
            long ch = open.channelId();
            // in this order: the channel's first job (future), SetNewPrevHash activating it, the group
            List<Sv2Message> first = new ArrayList<>();
            while (first.size() < 3) {
                first.addAll(c.drain(Duration.ofMillis(200)));
            }
            Sv2Mining.NewExtendedMiningJob job = (Sv2Mining.NewExtendedMiningJob) first.get(0);
            assertTrue(job.isFutureJob());
            assertTrue(job.versionRollingAllowed());
            Sv2Mining.SetNewPrevHash prev = (Sv2Mining.SetNewPrevHash) first.get(1);
            assertEquals(job.jobId(), prev.jobId());
            Sv2Mining.SetGroupChannel group = (Sv2Mining.SetGroupChannel) first.get(2);
            assertEquals(open.groupChannelId(), group.groupChannelId());
            assertEquals(List.of(ch), group.channelIds());
            assertNotEquals(ch, open.groupChannelId());

            byte[] extranonce = {1, 2, 3, 4, 5, 6};
            byte[] root = merkleRoot(job, open.extranoncePrefix().toArray(), extranonce);
            int rolled = (int) job.version() | 0x00002000; // a BIP320 general-purpose bit
            Work w = new Work(ch, job.jobId(), rolled, prev.prevHash().toArray(), root, (int) prev.minNtime(),
                    (int) prev.nbits());
            int nonce = findNonce(w, target(open.target()), true, 0);

            // wrong extranonce size first
            c.send(new Sv2Mining.SubmitSharesExtended(ch, 1, w.jobId(), nonce, w.ntime() & 0xffffffffL,
                    rolled & 0xffffffffL, Bytes.of(new byte[] {1, 2})));
            assertEquals("invalid-extranonce-size", error(c.await(Sv2Mining.SubmitSharesError.class)));
            // a standard submit on an extended channel
            c.send(standard(w, 2, nonce));
            assertEquals("invalid-channel-id", error(c.await(Sv2Mining.SubmitSharesError.class)));

            Sv2Mining.SubmitSharesExtended submit = new Sv2Mining.SubmitSharesExtended(ch, 3, w.jobId(), nonce,
                    w.ntime() & 0xffffffffL, rolled & 0xffffffffL, Bytes.of(extranonce)).withUserIdentity("rig9");
            c.send(submit);
            Sv2Mining.SubmitSharesSuccess ok = c.await(Sv2Mining.SubmitSharesSuccess.class);
            assertEquals(3, ok.lastSequenceNumber());
            PoolHarness.await(Duration.ofSeconds(30), () -> {
                try {
                    return pool.height() > startHeight;
                } catch (Exception e) {
                    return false;
                }
            }, "the block reaches the node");
            String hashDisplay = Hex.encode(Hex.reverse(Sha256.hashTwice(w.header(nonce))));
            assertEquals(hashDisplay, pool.rpc("getbestblockhash").asText());
            assertTrue(paidTo(pool, hashDisplay, address) > 0, "the coinbase pays the miner's address");
            List<ShareRecord> shares = pool.pool().ledger().sharesFor(address, 10);
            assertEquals(1, shares.size());
            assertEquals("rig9", shares.get(0).workerName(), "the 0x0002 TLV names the worker");
            assertTrue(shares.get(0).blockCandidate());

            // the new tip: future extended job + SetNewPrevHash
            Sv2Mining.NewExtendedMiningJob future = c.await(Sv2Mining.NewExtendedMiningJob.class);
            assertTrue(future.isFutureJob());
            Sv2Mining.SetNewPrevHash newPrev = c.await(Sv2Mining.SetNewPrevHash.class);
            assertEquals(future.jobId(), newPrev.jobId());
            assertEquals(hashDisplay, Hex.encode(Hex.reverse(newPrev.prevHash().toArray())));

            // closing the channel: shares on it are refused afterwards
            c.send(new Sv2Mining.CloseChannel(ch, Str0255.of("done")));
            c.send(new Sv2Mining.SubmitSharesExtended(ch, 4, newPrev.jobId(), 1, newPrev.minNtime(), job.version(),
                    Bytes.of(extranonce)));
            assertEquals("invalid-channel-id", error(c.await(Sv2Mining.SubmitSharesError.class)));
        }
    }

    // ------------------------------------------------------------------ SV1 and SV2 together

    @Test
    void sv1AndSv2MinersShareTheJobStream(@TempDir Path dir) throws Exception {
        String operator = newAddress();
        String sv1Address = "bob";
        String sv2Address = "alice";
        // Pool mode: both miners' work pays the operator, so SV1 and SV2 mine the very same job objects.
        // Default regtest difficulties: the SV1 CPU miner finds a block every few seconds, not a flood.
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("sv2.listen", "127.0.0.1:0", "pool.payout_address",
                operator));
                Sv2TestClient c = connect(pool);
                CpuMiner sv1 = CpuMiner.start(MinerConfig.of(pool.url(), sv1Address + ".cpu").withThreads(1)
                        .withMaxReconnects(3).withStatsInterval(Duration.ofSeconds(5)))) {
            c.send(Sv2TestClient.setup(Sv2Common.SetupConnection.REQUIRES_STANDARD_JOBS));
            c.await(Sv2Common.SetupConnectionSuccess.class);
            // a tiny nominal hashrate gets the pool's minimum difficulty: a share in some 10^4..10^5 hashes
            c.send(new Sv2Mining.OpenStandardMiningChannel(1, Str0255.of(sv2Address + ".rig"), 1f, ANY_TARGET));
            Sv2Mining.OpenStandardMiningChannelSuccess open = c.await(Sv2Mining.OpenStandardMiningChannelSuccess.class);
            c.await(Sv2Mining.NewMiningJob.class);
            c.await(Sv2Mining.SetNewPrevHash.class);

            // the SV1 miner finds blocks; each new tip reaches the SV2 channel as SetNewPrevHash
            assertTrue(sv1.awaitBlocks(2, Duration.ofSeconds(90)), "SV1 miner finds blocks: " + sv1.snapshot());
            Sv2Mining.SetNewPrevHash latest = null;
            for (int i = 0; i < 2; i++) {
                latest = c.await(Sv2Mining.SetNewPrevHash.class);
            }
            assertFalse(pool.pool().ledger().sharesFor(sv1Address, 10).isEmpty());
            sv1.close(); // keep the tip still while the SV2 share is checked
            // a solve may still be on its way to the node: read the tip once it has settled
            String tip = settledTip(pool);

            // the SV2 channel mines on the newest tip it was given
            Sv2Mining.NewMiningJob latestJob = null;
            for (Sv2Message m : c.drain(Duration.ofMillis(500))) {
                if (m instanceof Sv2Mining.NewMiningJob j) {
                    latestJob = j;
                } else if (m instanceof Sv2Mining.SetNewPrevHash p) {
                    latest = p;
                }
            }
            assertEquals(tip, Hex.encode(Hex.reverse(latest.prevHash().toArray())), "SV2 has the tip SV1 made");
            assertTrue(latestJob != null);
            OptionalLong ntime = latestJob.minNtime();
            Work w = new Work(open.channelId(), latestJob.jobId(), (int) latestJob.version(), latest.prevHash().toArray(),
                    latestJob.merkleRoot().toArray(), (int) (ntime.isPresent() ? ntime.getAsLong() : latest.minNtime()),
                    (int) latest.nbits());
            Target share = target(open.target());
            int nonce = findNonce(w, share, w.network().compareTo(share) <= 0 ? false : true, 0);
            c.send(standard(w, 1, nonce));
            assertEquals(1, c.await(Sv2Mining.SubmitSharesSuccess.class).lastSequenceNumber());
            assertFalse(pool.pool().ledger().sharesFor(sv2Address, 10).isEmpty());
        }
    }

    // ------------------------------------------------------------------ shutdown

    @Test
    void gracefulShutdownSendsReconnect(@TempDir Path dir) throws Exception {
        PoolHarness pool = startPool(dir);
        boolean closed = false;
        try (Sv2TestClient c = connect(pool)) {
            c.send(Sv2TestClient.setup(0));
            c.await(Sv2Common.SetupConnectionSuccess.class);
            closed = true;
            pool.close();
            Sv2Common.Reconnect r = c.await(Sv2Common.Reconnect.class);
            assertEquals("", r.newHost().text(), "empty host: come back to the same place");
            assertEquals(0, r.newPort());
            assertTrue(c.awaitClosed(Duration.ofSeconds(10)));
        } finally {
            if (!closed) {
                pool.close();
            }
        }
    }

    /** The node's best block once it and the pool's current template agree and stay put for half a second. */
    private static String settledTip(PoolHarness pool) throws Exception {
        String last = null;
        long stableSince = System.nanoTime();
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end) {
            String best = pool.rpc("getbestblockhash").asText();
            boolean templateOnIt = best.equals(pool.pool().templates().current().blockTemplate().previousBlockHashHex());
            if (!best.equals(last) || !templateOnIt) {
                last = best;
                stableSince = System.nanoTime();
            } else if (System.nanoTime() - stableSince > 500_000_000L) {
                return best;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the chain tip did not settle");
    }
}
