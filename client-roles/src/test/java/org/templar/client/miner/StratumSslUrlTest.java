package org.templar.client.miner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** stratum+ssl:// URLs and the miner's TLS trust choices. */
class StratumSslUrlTest {
    @Test
    void sslUrlsAreStratumV1OverTls() {
        StratumEndpoint e = StratumEndpoint.parse("stratum+ssl://pool.example:3334");
        assertTrue(e.tls());
        assertFalse(e.isSv2());
        assertEquals("stratum+ssl://pool.example:3334", e.toString());
        assertTrue(StratumEndpoint.parse("stratum+tls://pool.example:3334").tls());
        assertTrue(e.withAddress("other.example", 4444).tls(), "a reconnect request keeps TLS");
        assertFalse(StratumEndpoint.parse("stratum+tcp://pool.example:3333").tls());
        assertThrows(IllegalArgumentException.class, () -> StratumEndpoint.parse("https://pool.example:3334"));
    }

    @Test
    void trustChoicesAreExplicit() {
        assertTrue(MinerTls.SYSTEM_TRUST.verifiesHostName());
        assertFalse(MinerTls.insecureAcceptAny().verifiesHostName());
        assertThrows(IllegalArgumentException.class, () -> MinerTls.trusting(Path.of("/nonexistent/pool.crt")));
        assertThrows(IllegalArgumentException.class, () -> new MinerTls(Optional.of(Path.of("/etc/hostname")), true));
        assertEquals(MinerTls.SYSTEM_TRUST, MinerConfig.of("stratum+ssl://127.0.0.1:3334", "u").tls(),
                "no option: the JVM's trust store, never accept-anything");
    }
}
