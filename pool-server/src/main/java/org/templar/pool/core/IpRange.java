package org.templar.pool.core;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 CIDR range ({@code 10.0.0.0/8}, {@code 2001:db8::/32}); a bare address is the range
 * of that one host. Only numeric addresses are accepted: a host name would need a DNS lookup.
 * The network is kept with its host bits cleared, so {@code 10.1.2.3/8} and {@code 10.0.0.0/8} are
 * the same range and print the same.
 */
public final class IpRange {
    private final byte[] network;
    private final int prefix;

    private IpRange(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /** The range of exactly {@code address}. */
    public static IpRange of(InetAddress address) {
        byte[] a = address.getAddress();
        return new IpRange(a, a.length * 8);
    }

    /** @throws IllegalArgumentException saying what is wrong with {@code text} */
    public static IpRange parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String host = slash < 0 ? s : s.substring(0, slash);
        boolean v4 = host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = host.contains(":") && host.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR range");
        }
        byte[] network;
        try {
            network = InetAddress.getByName(host).getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR range");
        }
        int prefix;
        try {
            prefix = slash < 0 ? network.length * 8 : Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has a bad prefix length");
        }
        if (prefix < 0 || prefix > network.length * 8) {
            throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0.." + network.length * 8);
        }
        for (int bit = prefix; bit < network.length * 8; bit++) {
            network[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new IpRange(network, prefix);
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }

    /** True for the range of one host ({@code /32}, {@code /128}). */
    public boolean isSingleAddress() {
        return prefix == network.length * 8;
    }

    /** The network address (the host itself for a single address). */
    public InetAddress address() {
        try {
            return InetAddress.getByAddress(network.clone());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
        }
    }

    public int prefixLength() {
        return prefix;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpRange r && r.prefix == prefix && Arrays.equals(r.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    /** {@code 203.0.113.5} for one host, {@code 10.0.0.0/8} for a range. */
    @Override
    public String toString() {
        String a = address().getHostAddress();
        return isSingleAddress() ? a : a + "/" + prefix;
    }
}
