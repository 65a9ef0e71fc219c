package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class IpRangeTest {
    private static InetAddress a(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void ipv4AndIpv6RangesAndSingleAddresses() throws Exception {
        IpRange r = IpRange.parse("203.0.113.77/24");
        assertEquals("203.0.113.0/24", r.toString(), "host bits cleared");
        assertEquals(r, IpRange.parse("203.0.113.0/24"));
        assertTrue(r.contains(a("203.0.113.255")));
        assertFalse(r.contains(a("203.0.114.0")));
        IpRange odd = IpRange.parse("10.0.0.8/29");
        assertTrue(odd.contains(a("10.0.0.15")));
        assertFalse(odd.contains(a("10.0.0.16")));
        assertFalse(odd.contains(a("10.0.0.7")));
        IpRange v6 = IpRange.parse("2001:db8::/32");
        assertTrue(v6.contains(a("2001:db8:ffff::1")));
        assertFalse(v6.contains(a("2001:db9::1")));
        assertFalse(v6.contains(a("32.1.13.184")), "an IPv4 address is never inside an IPv6 range");
        IpRange one = IpRange.parse("198.51.100.7");
        assertTrue(one.isSingleAddress());
        assertEquals("198.51.100.7", one.toString());
        assertEquals(one, IpRange.of(a("198.51.100.7")));
        assertTrue(IpRange.parse("0.0.0.0/0").contains(a("1.2.3.4")));
    }

    @Test
    void namesAndBadPrefixesAreRefused() {
        for (String bad : new String[] {"pool.example", "10.0.0.1/33", "::1/129", "10.0.0.1/x", "10.1", "", "10.0.0.1/-1"}) {
            assertThrows(IllegalArgumentException.class, () -> IpRange.parse(bad), bad);
        }
    }
}
