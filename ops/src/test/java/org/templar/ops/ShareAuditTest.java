package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.ChannelType;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerConfig;
import picocli.CommandLine;

/**
 * The audit trail end to end: the pool records every accepted share (SV1 and SV2 header-only alike)
 * in its share log, `templar audit` re-verifies them all, and a forged line is caught.
 */
@Timeout(120)
class ShareAuditTest {
    private static int audit(Path log, StringBuilder output) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            return new CommandLine(new Templar()).execute("audit", log.toString());
        } finally {
            System.setOut(old);
            output.append(out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void everyAcceptedShareIsRecordedAndReVerifiable(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("audit/shares.log");
        String address = SoloAndPoolMiningTest.newAddress();
        long accepted;
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("audit.share_log", log.toString(), "sv2.listen", "127.0.0.1:0"))) {
            String sv2 = "stratum2+tcp://127.0.0.1:" + pool.pool().sv2Address().getPort() + "/"
                    + pool.pool().authority().orElseThrow().publicKey().toBase58();
            try (CpuMiner v1 = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, address + ".v1"));
                    CpuMiner v2 = CpuMiner.start(MinerConfig.of(sv2, address + ".v2").withThreads(1)
                            .withChannelType(ChannelType.STANDARD).withMaxReconnects(3))) {
                assertTrue(v1.awaitAccepted(4, Duration.ofSeconds(60)), v1.snapshot().toString());
                assertTrue(v2.awaitAccepted(2, Duration.ofSeconds(60)), v2.snapshot().toString());
            }
            // the last shares may still be on their way into the ledger: wait until its count holds still
            long[] seen = {-1, System.nanoTime()};
            PoolHarness.await(Duration.ofSeconds(20), () -> {
                long n = pool.pool().ledger().shareCount();
                if (n != seen[0] || pool.pool().ledger().queueDepth() > 0) {
                    seen[0] = n;
                    seen[1] = System.nanoTime();
                    return false;
                }
                return System.nanoTime() - seen[1] > 500_000_000L;
            }, "the ledger settles");
            accepted = pool.pool().ledger().shareCount();
        } // closing the pool flushes the log
        StringBuilder out = new StringBuilder();
        assertEquals(0, audit(log, out), out.toString());
        assertTrue(out.toString().contains("shares " + accepted + ": " + accepted + " verified, 0 mismatched"), out + " vs " + accepted);

        // forge one share: same line, another nonce
        List<String> lines = Files.readAllLines(log);
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split(" ");
            if (f[0].equals("share")) {
                f[5] = f[5].equals("00000000") ? "00000001" : "00000000";
                lines.set(i, String.join(" ", f));
                break;
            }
        }
        Files.write(log, lines);
        StringBuilder forged = new StringBuilder();
        assertEquals(1, audit(log, forged), forged.toString());
        assertTrue(forged.toString().contains("1 mismatched"), forged.toString());
    }
}
