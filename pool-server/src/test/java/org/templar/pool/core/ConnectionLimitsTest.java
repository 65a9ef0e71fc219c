package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ConnectionLimitsTest {
    @Test
    void perAddressThenGlobalAndSlotsComeBack() throws Exception {
        ConnectionLimits limits = new ConnectionLimits(3, 2);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        assertNull(limits.tryOpen(a));
        assertNull(limits.tryOpen(a));
        assertEquals(ConnectionLimits.Refusal.PER_IP, limits.tryOpen(a));
        assertNull(limits.tryOpen(b));
        assertEquals(ConnectionLimits.Refusal.GLOBAL, limits.tryOpen(b));
        assertEquals(3, limits.open());
        limits.closed(a);
        assertEquals(1, limits.open(a));
        assertNull(limits.tryOpen(b));
        limits.closed(a);
        limits.closed(b);
        limits.closed(b);
        assertEquals(0, limits.open());
        assertEquals(0, limits.open(a), "no entry left behind for an address with no connection");
    }
}
