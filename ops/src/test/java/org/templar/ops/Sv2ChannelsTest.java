package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockStatus;
import org.templar.payout.ShareRecord;
import org.templar.client.miner.ChannelType;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerConfig;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;
import org.templar.share.Target;

/**
 * Stratum V2 server features beyond the basic share path: `templar mine` over SV2 (both channel
 * types) finding blocks, several channels in one connection with their group channel, batched
 * acknowledgements, SetExtranoncePrefix, refused channel parameters.
 */
@Timeout(180)
class Sv2ChannelsTest {

    static String url(PoolHarness pool) {
        return "stratum2+tcp://127.0.0.1:" + pool.pool().sv2Address().getPort() + "/"
                + pool.pool().authority().orElseThrow().publicKey().toBase58();
    }

    /** Every accepted block in the ledger is on the node and its coinbase pays {@code address}. */
    static int acceptedBlocksPaying(PoolHarness pool, String address) throws Exception {
        int n = 0;
        for (BlockRecord b : pool.pool().ledger().recentBlocks(50)) {
            if (b.status() != BlockStatus.ACCEPTED) {
                continue;
            }
            assertTrue(Sv2MiningTest.paidTo(pool, b.hash(), address) > 0, "block " + b.hash() + " pays " + address);
            JsonNode header = pool.rpc("getblockheader", b.hash());
            assertEquals(b.height(), header.get("height").asInt());
            n++;
        }
        return n;
    }

    private void templarMineFindsBlocks(Path dir, ChannelType type) throws Exception {
        String address = Sv2MiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("sv2.listen", "127.0.0.1:0"));
                CpuMiner m = CpuMiner.start(MinerConfig.of(url(pool), address + ".box").withChannelType(type)
                        .withThreads(1).withMaxReconnects(3).withStatsInterval(Duration.ofSeconds(5)))) {
            assertTrue(m.awaitBlocks(2, Duration.ofSeconds(90)), "2 blocks within 90 s: " + m.snapshot());
            PoolHarness.await(Duration.ofSeconds(20), () -> pool.pool().ledger().recentBlocks(10).stream()
                    .filter(b -> b.status() == BlockStatus.ACCEPTED).count() >= 2, "2 accepted blocks in the ledger");
            assertTrue(pool.height() >= 2);
            assertTrue(acceptedBlocksPaying(pool, address) >= 2);
            List<ShareRecord> shares = pool.pool().ledger().sharesFor(address, 100);
            assertFalse(shares.isEmpty(), "SV2 shares are credited in the ledger like SV1 shares");
            assertEquals("box", shares.get(0).workerName());
            assertEquals(ShareRecord.SOLO, shares.get(0).payoutMode());
            assertEquals(0, m.snapshot().rejected(), "no share refused: " + m.snapshot());
        }
    }

    @Test
    void templarMineOverStandardChannelFindsBlocks(@TempDir Path dir) throws Exception {
        templarMineFindsBlocks(dir, ChannelType.STANDARD);
    }

    @Test
    void templarMineOverExtendedChannelFindsBlocks(@TempDir Path dir) throws Exception {
        templarMineFindsBlocks(dir, ChannelType.EXTENDED);
    }

    @Test
    void channelsOfOneConnectionGroupBatchAndChangePrefix(@TempDir Path dir) throws Exception {
        String address = Sv2MiningTest.newAddress();
        try (PoolHarness pool = Sv2MiningTest.startPool(dir); Sv2TestClient c = Sv2MiningTest.connect(pool)) {
            c.send(Sv2TestClient.setup(0));
            c.await(Sv2Common.SetupConnectionSuccess.class);
            U256 any = U256.of(Sv2MiningTest.filled((byte) 0xff));

            // refused parameters: a max target harder than the pool's maximum difficulty, too much extranonce
            byte[] tiny = new byte[32];
            tiny[0] = 1;
            c.send(new Sv2Mining.OpenStandardMiningChannel(1, Str0255.of(address), 0f, U256.of(tiny)));
            assertEquals("max-target-out-of-range", c.await(Sv2Mining.OpenMiningChannelError.class).errorCode().text());
            c.send(new Sv2Mining.OpenExtendedMiningChannel(2, Str0255.of(address), 0f, any, 29));
            assertEquals("min-extranonce-size-too-large",
                    c.await(Sv2Mining.OpenMiningChannelError.class).errorCode().text());

            // two channels, one group channel listing both
            c.send(new Sv2Mining.OpenStandardMiningChannel(3, Str0255.of(address + ".a"), 0f, any));
            Sv2Mining.OpenStandardMiningChannelSuccess a = c.await(Sv2Mining.OpenStandardMiningChannelSuccess.class);
            c.send(new Sv2Mining.OpenStandardMiningChannel(4, Str0255.of(address + ".b"), 0f, any));
            Sv2Mining.OpenStandardMiningChannelSuccess b = c.await(Sv2Mining.OpenStandardMiningChannelSuccess.class);
            assertNotEquals(a.channelId(), b.channelId());
            assertEquals(a.groupChannelId(), b.groupChannelId());
            assertNotEquals(a.extranoncePrefix(), b.extranoncePrefix(), "each channel has its own search space");
            Sv2Mining.SetGroupChannel group = c.await(Sv2Mining.SetGroupChannel.class);
            group = c.await(Sv2Mining.SetGroupChannel.class);
            assertEquals(List.of(a.channelId(), b.channelId()), group.channelIds());

            // channel b: its own job and prevhash
            Sv2Mining.NewMiningJob jobA = c.await(Sv2Mining.NewMiningJob.class);
            Sv2Mining.SetNewPrevHash prevA = c.await(Sv2Mining.SetNewPrevHash.class);
            Sv2Mining.NewMiningJob jobB = c.await(Sv2Mining.NewMiningJob.class);
            Sv2Mining.SetNewPrevHash prevB = c.await(Sv2Mining.SetNewPrevHash.class);
            assertEquals(a.channelId(), jobA.channelId());
            assertEquals(b.channelId(), jobB.channelId());
            assertNotEquals(jobA.merkleRoot(), jobB.merkleRoot(), "different prefixes, different merkle roots");

            // 20 shares that are not blocks on channel b: one Success for the first 16, the rest later
            Sv2MiningTest.Work w = new Sv2MiningTest.Work(b.channelId(), jobB.jobId(), (int) jobB.version(),
                    prevB.prevHash().toArray(), jobB.merkleRoot().toArray(), (int) prevB.minNtime(), (int) prevB.nbits());
            Target share = Sv2MiningTest.target(b.target());
            int nonce = -1;
            for (int seq = 1; seq <= 20; seq++) {
                nonce = Sv2MiningTest.findNonce(w, share, false, nonce + 1);
                c.send(new Sv2Mining.SubmitSharesStandard(w.channelId(), seq, w.jobId(), nonce & 0xffffffffL,
                        w.ntime() & 0xffffffffL, w.version() & 0xffffffffL));
            }
            long acknowledged = 0;
            long last = 0;
            while (acknowledged < 20) {
                Sv2Mining.SubmitSharesSuccess ok = c.await(Sv2Mining.SubmitSharesSuccess.class);
                assertEquals(b.channelId(), ok.channelId());
                assertTrue(ok.newSubmitsAcceptedCount() <= 16, "batches of at most 16");
                acknowledged += ok.newSubmitsAcceptedCount();
                last = ok.lastSequenceNumber();
            }
            assertEquals(20, acknowledged);
            assertEquals(20, last);
            // 16 shares within a second is a flood for a 10 s target: vardiff raises the channel's difficulty
            Sv2Mining.SetTarget raised = c.await(Sv2Mining.SetTarget.class);
            assertEquals(b.channelId(), raised.channelId());
            assertTrue(Sv2MiningTest.target(raised.maximumTarget()).compareTo(share) < 0, "a harder target");
            assertEquals(20, pool.pool().ledger().sharesFor(address, 100).size());

            // the operator moves every channel to a new extranonce prefix: old jobs are gone, new work follows
            c.drain(Duration.ofMillis(200));
            pool.pool().sv2().orElseThrow().changeExtranoncePrefixes();
            Sv2Mining.SetExtranoncePrefix pa = c.await(Sv2Mining.SetExtranoncePrefix.class);
            Sv2Mining.SetExtranoncePrefix pb = c.await(Sv2Mining.SetExtranoncePrefix.class);
            assertEquals(a.channelId(), pa.channelId());
            assertEquals(b.channelId(), pb.channelId());
            assertNotEquals(b.extranoncePrefix(), pb.extranoncePrefix());
            Sv2Mining.NewMiningJob fresh = null;
            for (int i = 0; i < 2; i++) {
                Sv2Mining.NewMiningJob j = c.await(Sv2Mining.NewMiningJob.class);
                assertTrue(j.minNtime().isPresent(), "same tip: active jobs");
                if (j.channelId() == b.channelId()) {
                    fresh = j;
                }
            }
            assertNotEquals(jobB.merkleRoot(), fresh.merkleRoot());
            c.send(new Sv2Mining.SubmitSharesStandard(b.channelId(), 21, jobB.jobId(), nonce & 0xffffffffL,
                    w.ntime() & 0xffffffffL, w.version() & 0xffffffffL));
            assertEquals("invalid-job-id", c.await(Sv2Mining.SubmitSharesError.class).errorCode().text());
            Sv2MiningTest.Work w2 = new Sv2MiningTest.Work(b.channelId(), fresh.jobId(), (int) fresh.version(),
                    prevB.prevHash().toArray(), fresh.merkleRoot().toArray(), (int) fresh.minNtime().getAsLong(),
                    (int) prevB.nbits());
            // vardiff may have raised the target during the burst above: a hash under 2^250 meets any of them
            byte[] hard = new byte[32];
            hard[31] = 0x04;
            int n2 = Sv2MiningTest.findNonce(w2, Target.fromLittleEndian(hard), true, 0);
            c.send(new Sv2Mining.SubmitSharesStandard(b.channelId(), 22, fresh.jobId(), n2 & 0xffffffffL,
                    w2.ntime() & 0xffffffffL, w2.version() & 0xffffffffL));
            assertEquals(22, c.await(Sv2Mining.SubmitSharesSuccess.class).lastSequenceNumber());

            // closing the group channel closes both channels
            c.send(new Sv2Mining.CloseChannel(a.groupChannelId(), Str0255.of("bye")));
            c.send(new Sv2Mining.SubmitSharesStandard(a.channelId(), 1, jobA.jobId(), 0, prevA.minNtime(), jobA.version()));
            assertEquals("invalid-channel-id", c.await(Sv2Mining.SubmitSharesError.class).errorCode().text());
            c.send(new Sv2Mining.SubmitSharesExtended(b.channelId(), 23, fresh.jobId(), 0, prevB.minNtime(),
                    fresh.version(), Bytes.EMPTY));
            assertEquals("invalid-channel-id", c.await(Sv2Mining.SubmitSharesError.class).errorCode().text());
        }
    }

    @Test
    void channelsThatCanShareWorkGetOneJobOnTheGroupChannel(@TempDir Path dir) throws Exception {
        String address = Sv2MiningTest.newAddress();
        try (PoolHarness pool = Sv2MiningTest.startPool(dir); Sv2TestClient c = Sv2MiningTest.connect(pool)) {
            c.send(Sv2TestClient.setup(0)); // a proxy: takes extended jobs for its standard channels
            c.await(Sv2Common.SetupConnectionSuccess.class);
            U256 any = U256.of(Sv2MiningTest.filled((byte) 0xff));
            c.send(new Sv2Mining.OpenStandardMiningChannel(1, Str0255.of(address + ".a"), 0f, any));
            Sv2Mining.OpenStandardMiningChannelSuccess a = c.await(Sv2Mining.OpenStandardMiningChannelSuccess.class);
            c.send(new Sv2Mining.OpenExtendedMiningChannel(2, Str0255.of(address + ".b"), 0f, any, 4));
            Sv2Mining.OpenExtendedMiningChannelSuccess b = c.await(Sv2Mining.OpenExtendedMiningChannelSuccess.class);
            assertEquals(a.extranoncePrefix().length(), b.extranoncePrefix().length() + b.extranonceSize(),
                    "one full extranonce size in the group");
            long group = a.groupChannelId();
            c.drain(Duration.ofMillis(300));

            // a new block from elsewhere: one future job and one SetNewPrevHash, both for the group
            pool.rpc("generatetoaddress", 1, Sv2MiningTest.newAddress());
            Sv2Mining.NewExtendedMiningJob job = c.await(Sv2Mining.NewExtendedMiningJob.class);
            assertEquals(group, job.channelId());
            assertTrue(job.isFutureJob());
            Sv2Mining.SetNewPrevHash prev = c.await(Sv2Mining.SetNewPrevHash.class);
            assertEquals(group, prev.channelId());
            assertEquals(job.jobId(), prev.jobId());
            assertEquals(pool.rpc("getbestblockhash").asText(),
                    org.templar.share.Hex.encode(org.templar.share.Hex.reverse(prev.prevHash().toArray())));
            for (var m : c.drain(Duration.ofMillis(300))) {
                assertFalse(m instanceof Sv2Mining.NewMiningJob, "no per-channel jobs besides the group's: " + m);
            }

            // the standard channel mines the group job with its prefix as the whole extranonce
            byte[] root = Sv2MiningTest.merkleRoot(job, a.extranoncePrefix().toArray(), new byte[0]);
            Sv2MiningTest.Work wa = new Sv2MiningTest.Work(a.channelId(), job.jobId(), (int) job.version(),
                    prev.prevHash().toArray(), root, (int) prev.minNtime(), (int) prev.nbits());
            int na = Sv2MiningTest.findNonce(wa, Sv2MiningTest.target(a.target()), false, 0);
            c.send(new Sv2Mining.SubmitSharesStandard(a.channelId(), 1, job.jobId(), na & 0xffffffffL,
                    prev.minNtime(), job.version()));
            assertEquals(a.channelId(), c.await(Sv2Mining.SubmitSharesSuccess.class).channelId());
            // the extended channel mines it with its prefix + its own extranonce
            byte[] en = {9, 8, 7, 6};
            byte[] rootB = Sv2MiningTest.merkleRoot(job, b.extranoncePrefix().toArray(), en);
            Sv2MiningTest.Work wb = new Sv2MiningTest.Work(b.channelId(), job.jobId(), (int) job.version(),
                    prev.prevHash().toArray(), rootB, (int) prev.minNtime(), (int) prev.nbits());
            int nb = Sv2MiningTest.findNonce(wb, Sv2MiningTest.target(b.target()), false, 0);
            c.send(new Sv2Mining.SubmitSharesExtended(b.channelId(), 1, job.jobId(), nb & 0xffffffffL, prev.minNtime(),
                    job.version(), Bytes.of(en)));
            assertEquals(b.channelId(), c.await(Sv2Mining.SubmitSharesSuccess.class).channelId());
            assertEquals(2, pool.pool().ledger().sharesFor(address, 10).size());
        }
    }
}
