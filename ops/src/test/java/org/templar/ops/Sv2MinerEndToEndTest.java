package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.templar.client.miner.MinerStats;

/**
 * `templar mine` over Stratum V2 against the real pool (`templar run` with its embedded regtest node):
 * Noise handshake pinned to the pool's authority key, standard and extended channels, blocks the node
 * accepts with coinbases paying the miner, shares credited in the ledger exactly like Stratum V1 shares.
 */
@Timeout(240)
class Sv2MinerEndToEndTest {
    private static PoolHarness startPool(Path dir, Map<String, String> extra) throws Exception {
        Map<String, String> o = new java.util.HashMap<>(Map.of("sv2.listen", "127.0.0.1:0"));
        o.putAll(extra);
        return PoolHarness.start(dir, o);
    }

    private static String sv2Url(PoolHarness pool) {
        return "stratum2+tcp://127.0.0.1:" + pool.pool().sv2Address().getPort() + "/"
                + pool.pool().authority().orElseThrow().publicKey().toBase58();
    }

    private static MinerConfig sv2Miner(PoolHarness pool, String user, ChannelType type) {
        return MinerConfig.of(sv2Url(pool), user).withThreads(1).withChannelType(type).withMaxReconnects(3)
                .withStatsInterval(Duration.ofSeconds(5));
    }

    private static long acceptedBlocks(PoolHarness pool) {
        return pool.pool().ledger().recentBlocks(50).stream().filter(b -> b.status() == BlockStatus.ACCEPTED).count();
    }

    private static long blocksBy(PoolHarness pool, String worker) {
        return pool.pool().ledger().recentBlocks(200).stream()
                .filter(b -> b.status() == BlockStatus.ACCEPTED && worker.equals(b.worker())).count();
    }

    private void soloBlocksOver(ChannelType type, Path dir) throws Exception {
        String address = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = startPool(dir, Map.of());
                CpuMiner m = CpuMiner.start(sv2Miner(pool, address + ".rig1", type))) {
            assertTrue(m.awaitBlocks(2, Duration.ofSeconds(120)), "2 blocks over SV2 " + type + ": " + m.snapshot());
            MinerStats stats = m.snapshot();
            PoolHarness.await(Duration.ofSeconds(20), () -> acceptedBlocks(pool) >= 2, "2 accepted blocks in the ledger");
            assertTrue(pool.height() >= 2);
            // The block the miner counts is a block the node has.
            String last = stats.lastBlockHash().orElseThrow();
            PoolHarness.await(Duration.ofSeconds(20), () -> {
                try {
                    return last.equals(pool.rpc("getblockheader", last).get("hash").asText());
                } catch (Exception notYet) {
                    return false; // submitted after the share was answered: give it a moment
                }
            }, "the node has the miner's last block");
            PoolHarness.await(Duration.ofSeconds(20), () -> pool.pool().ledger().recentBlocks(50).stream()
                    .map(BlockRecord::hash).anyMatch(last::equals), "the miner's last block is in the pool's block ledger");
            assertTrue(SoloAndPoolMiningTest.checkCoinbases(pool, address) >= 2, "coinbases pay the solo address");
            List<ShareRecord> shares = pool.pool().ledger().sharesFor(address, 100);
            assertFalse(shares.isEmpty(), "SV2 shares are in the ledger");
            assertEquals("rig1", shares.get(0).workerName());
            assertEquals(ShareRecord.SOLO, shares.get(0).payoutMode());
            assertEquals(0, stats.rejected(), "no share refused: " + stats);
        }
    }

    @Test
    void extendedChannelFindsBlocksAcceptedByTheNodeAndCredited(@TempDir Path dir) throws Exception {
        soloBlocksOver(ChannelType.EXTENDED, dir);
    }

    @Test
    void standardChannelFindsBlocksAcceptedByTheNodeAndCredited(@TempDir Path dir) throws Exception {
        soloBlocksOver(ChannelType.STANDARD, dir);
    }

    @Test
    void sv1AndSv2MinersShareOnePoolAndItsJobStream(@TempDir Path dir) throws Exception {
        String operator = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = startPool(dir, Map.of("pool.payout_address", operator));
                CpuMiner v2 = CpuMiner.start(sv2Miner(pool, "carol.v2", ChannelType.EXTENDED));
                CpuMiner v1 = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, "carol.v1"))) {
            // Every regtest share of the SV1 miner is a block, so the tip moves every second or so: the SV2 miner
            // only finds blocks too if each new tip reaches its channel as SetNewPrevHash promptly.
            PoolHarness.await(Duration.ofSeconds(150), () -> blocksBy(pool, "carol.v2") >= 1 && blocksBy(pool, "carol.v1") >= 1,
                    "accepted blocks from both the SV1 and the SV2 miner; SV2 " + v2.snapshot());
            assertTrue(v2.awaitAccepted(1, Duration.ofSeconds(30)));
            assertTrue(SoloAndPoolMiningTest.checkCoinbases(pool, operator) >= 2);
            List<ShareRecord> shares = pool.pool().ledger().sharesFor("carol", 500);
            assertTrue(shares.stream().anyMatch(s -> s.worker().equals("carol.v2")), "SV2 worker credited");
            assertTrue(shares.stream().anyMatch(s -> s.worker().equals("carol.v1")), "SV1 worker credited");
            assertTrue(shares.stream().allMatch(s -> s.payoutMode().equals(ShareRecord.POOL)));
        }
    }
}
