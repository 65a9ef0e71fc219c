package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.templar.ops.config.ConfigException;
import org.templar.ops.config.ConfigLoader;
import org.templar.ops.config.TemplarConfig;
import org.templar.payout.scheme.PoolFee;
import org.templar.payout.scheme.Pplns;
import org.templar.payout.scheme.Pps;
import org.templar.payout.scheme.Prop;
import org.templar.payout.scheme.Solo;
import org.templar.payout.scheme.Tides;

class PayoutConfigTest {
    private static final String POOL_ADDRESS = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";

    @Test
    void soloByDefaultAndPplnsWithoutFeeInPoolMode() {
        assertEquals(new Solo(PoolFee.NONE), ConfigLoader.load(null, Map.of()).pool().payout().scheme());
        TemplarConfig.Payout p = ConfigLoader.load(null, Map.of("pool.payout_address", POOL_ADDRESS)).pool().payout();
        assertEquals(new Pplns(PoolFee.NONE, 2), p.scheme());
        assertEquals(6, p.orphanDepth());
        assertEquals(Duration.ofSeconds(30), p.trackInterval());
    }

    @Test
    void feeIsReadExactlyFromATomlNumber(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("templar.toml");
        Files.writeString(f, """
                [pool]
                payout_address = "%s"
                payout_scheme = "prop"
                fee_percent = 1.25
                orphan_depth = 10
                """.formatted(POOL_ADDRESS));
        TemplarConfig.Payout p = ConfigLoader.load(f, Map.of()).pool().payout();
        assertEquals(new Prop(new PoolFee(12_500, 0)), p.scheme());
        assertEquals(10, p.orphanDepth());
        Pplns pplns = assertInstanceOf(Pplns.class, ConfigLoader.load(null, Map.of("pool.payout_address", POOL_ADDRESS,
                "pool.fee_percent", "2", "pool.pplns_window", "8")).pool().payout().scheme());
        assertEquals(new Pplns(new PoolFee(20_000, 0), 8), pplns);
        assertEquals(new Pps(new PoolFee(30_000, 0), true), ConfigLoader.load(null, Map.of("pool.payout_address", POOL_ADDRESS,
                "pool.payout_scheme", "fpps", "pool.fee_percent", "3")).pool().payout().scheme());
    }

    @Test
    void tidesWithFeeDonationWindowAndDust() {
        Tides t = assertInstanceOf(Tides.class, ConfigLoader.load(null, Map.of("pool.payout_address", POOL_ADDRESS,
                "pool.payout_scheme", "tides", "pool.fee_percent", "1.5", "pool.donation_percent", "0.25",
                "pool.donation_address", POOL_ADDRESS, "pool.tides_window", "4", "pool.dust_sats", "5000"))
                .pool().payout().scheme());
        assertEquals(new PoolFee(15_000, 2_500), t.fee());
        assertEquals(4, t.windowFactor());
        assertEquals(5000, t.dustSats());
        assertTrue(t.donationScript().isPresent());
        Tides plain = assertInstanceOf(Tides.class, ConfigLoader.load(null, Map.of("pool.payout_address", POOL_ADDRESS,
                "pool.payout_scheme", "tides")).pool().payout().scheme());
        assertEquals(8, plain.windowFactor());
        assertEquals(10_000, plain.dustSats());
        assertTrue(plain.donationScript().isEmpty());
        assertEquals(plain, ConfigLoader.load(null, Map.of("pool.payout_address", POOL_ADDRESS,
                "pool.payout_scheme", "tides")).pool().payout().scheme(), "equal by content: a reload sees no change");
    }

    @Test
    void schemesThePoolCannotHonourAreRefusedWithTheKey() {
        ConfigException tides = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("pool.payout_scheme", "tides")));
        assertTrue(tides.getMessage().contains("pool.payout_scheme"), tides.getMessage());
        ConfigException donation = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("pool.payout_address", POOL_ADDRESS, "pool.donation_percent", "1")));
        assertTrue(donation.getMessage().contains("pool.donation_percent") && donation.getMessage().contains("tides"),
                donation.getMessage());
        ConfigException noAddress = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("pool.payout_address", POOL_ADDRESS, "pool.payout_scheme", "tides", "pool.donation_percent", "1")));
        assertTrue(noAddress.getMessage().contains("pool.donation_address"), noAddress.getMessage());
        assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of("pool.payout_address", POOL_ADDRESS,
                "pool.payout_scheme", "tides", "pool.fee_percent", "60", "pool.donation_percent", "50")), "over 100 %");
        assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of("pool.payout_scheme", "pplns")),
                "pplns needs pool mode");
        assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("pool.payout_address", POOL_ADDRESS, "pool.payout_scheme", "solo")));
        ConfigException fee = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of("pool.fee_percent", "1")));
        assertTrue(fee.getMessage().contains("pool.fee_percent"), fee.getMessage());
        assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("pool.payout_address", POOL_ADDRESS, "pool.fee_percent", "0.123456")));
        assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("pool.payout_address", POOL_ADDRESS, "pool.payout_scheme", "weekly")));
    }
}
