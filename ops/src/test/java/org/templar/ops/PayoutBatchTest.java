package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.payout.Balance;
import org.templar.payout.PayoutLedger;
import org.templar.share.Hex;

/**
 * Custodial payouts end to end: PPLNS blocks mature on the embedded node, {@code templar payouts
 * batch} puts the balance of the account that is an address into a batch (the one that is not
 * stays available), written as sendmany JSON and as a PSBT whose outputs the test parses byte by
 * byte; {@code mark-sent} is idempotent with the same txid and refused with another, and the
 * balance is paid once.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PayoutBatchTest {
    @Test
    void aBatchPaysTheMaturedBalanceOnceThroughTheOperatorsWallet(@TempDir Path dir) throws Exception {
        String operator = SoloAndPoolMiningTest.newAddress();
        String miner = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("pool.payout_address", operator, "pool.payout_scheme", "pplns",
                "pool.pplns_window", "1e15", "pool.track_seconds", "1", "payout.threshold_sats", "1000",
                "admin.listen", "127.0.0.1:0"))) {
            List<String> auth = List.of("--admin-url", "http://127.0.0.1:" + pool.running.admin().address().getPort(),
                    "--token-file", dir.resolve("admin.token").toString());
            PayoutLedger payouts = new PayoutLedger(pool.pool().ledger());
            try (CpuMiner a = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, miner + ".rig1"));
                    CpuMiner b = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, "alice.rig1"))) {
                PoolHarness.await(Duration.ofSeconds(90), () -> payouts.balance(miner).immatureSats() > 0
                        && payouts.balance("alice").immatureSats() > 0, "both accounts credited");
            }
            pool.pool().embeddedNode().orElseThrow().generateToAddress(100, operator);
            // settled for good: every block matured or orphaned (a stale one is orphaned only now, 100 deep)
            PoolHarness.await(Duration.ofSeconds(60), () -> payouts.blocksToFollow(Long.MAX_VALUE).stream()
                    .allMatch(b -> b.status() == org.templar.payout.BlockStatus.REJECTED)
                    && payouts.balance(miner).immatureSats() == 0 && payouts.balance("alice").immatureSats() == 0,
                    "every block matured or orphaned");
            assertTrue(payouts.balance(miner).availableSats() > 0);
            long due = payouts.balance(miner).availableSats();
            long aliceDue = payouts.balance("alice").availableSats();

            Path out = dir.resolve("batches");
            CliTest.Result batch = cli(auth, "payouts", "batch", "--out", out.toString());
            assertEquals(0, batch.code(), batch.out() + batch.err());
            assertTrue(batch.out().contains("payout batch 1 (PENDING): 1 payment(s), " + due + " sat"), batch.out());
            assertEquals(new Balance(miner, 0, 0, due, 0, 0), payouts.balance(miner));
            assertEquals(aliceDue, payouts.balance("alice").availableSats(), "an account that is no address stays available");

            String sendmanyText = Files.readString(out.resolve("batch-1-sendmany.json"));
            JsonNode sendmany = new ObjectMapper().readTree(sendmanyText);
            assertEquals("sendmany", sendmany.path("method").asText());
            // eight decimals exactly, as Core writes amounts
            assertTrue(sendmanyText.contains("{\"" + miner + "\":" + BigDecimal.valueOf(due, 8).toPlainString() + "}"), sendmanyText);
            assertEquals(List.of(new Output(due, TidesInJobsTest.script(miner))), psbtOutputs(Files.readAllBytes(out.resolve("batch-1.psbt"))));

            CliTest.Result nobody = cli(auth, "payouts", "batch");
            assertEquals(0, nobody.code());
            assertTrue(nobody.out().contains("nobody is due"), nobody.out());

            String txid = "ab".repeat(32);
            assertEquals(0, cli(auth, "payouts", "mark-sent", "1", txid).code());
            CliTest.Result again = cli(auth, "payouts", "mark-sent", "1", txid.toUpperCase());
            assertEquals(0, again.code(), again.err());
            assertEquals(new Balance(miner, 0, 0, 0, due, 0), payouts.balance(miner), "paid once");
            // what the miner's page shows: the payment by its txid, and the balance it left
            var page = new org.templar.ops.dashboard.Dashboard(new DashboardSource(pool.pool())).address(miner);
            assertEquals(due, page.path("balance").path("paid_sats").asLong(), page.toString());
            assertEquals(0, page.path("balance").path("available_sats").asLong());
            assertEquals(1, page.path("payments").size(), page.toString());
            assertEquals("batch", page.path("payments").get(0).path("kind").asText());
            assertEquals(txid, page.path("payments").get(0).path("reference").asText());
            assertEquals(due, page.path("payments").get(0).path("sats").asLong());
            CliTest.Result other = cli(auth, "payouts", "mark-sent", "1", "cd".repeat(32));
            assertEquals(1, other.code());
            assertTrue(other.err().contains("already sent as " + txid), other.err());
            assertEquals(2, cli(auth, "payouts", "mark-sent", "99", txid).code(), "no such batch");
            assertEquals(2, cli(auth, "payouts", "mark-sent", "1", "not-a-txid").code());
            assertEquals(new Balance(miner, 0, 0, 0, due, 0), payouts.balance(miner));
            CliTest.Result shown = cli(auth, "payouts", "batch", "--show", "1", "--json");
            assertEquals("SENT", new ObjectMapper().readTree(shown.out()).path("state").asText(), shown.out());
        }
    }

    private static CliTest.Result cli(List<String> auth, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(auth);
        return CliTest.run(a.toArray(String[]::new));
    }

    record Output(long sats, String scriptHex) {}

    /** Reads a PSBT as BIP174 lays it out, for outputs-only batches: magic, the unsigned transaction, empty maps. */
    static List<Output> psbtOutputs(byte[] psbt) {
        ByteBuffer b = ByteBuffer.wrap(psbt).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[5];
        b.get(magic);
        assertArrayEquals(new byte[] {'p', 's', 'b', 't', (byte) 0xff}, magic);
        assertEquals(1, b.get(), "key length");
        assertEquals(0, b.get(), "PSBT_GLOBAL_UNSIGNED_TX");
        int txLength = b.get() & 0xff; // small batches: a one-byte length
        int txStart = b.position();
        assertEquals(2, b.getInt(), "version");
        assertEquals(0, b.get(), "no inputs: the wallet funds it");
        int n = b.get();
        List<Output> outs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long sats = b.getLong();
            byte[] script = new byte[b.get()];
            b.get(script);
            outs.add(new Output(sats, Hex.encode(script)));
        }
        assertEquals(0, b.getInt(), "lock time");
        assertEquals(txLength, b.position() - txStart);
        assertEquals(0, b.get(), "end of the global map");
        for (int i = 0; i < n; i++) {
            assertEquals(0, b.get(), "empty output map");
        }
        assertEquals(psbt.length, b.position());
        return outs;
    }
}
