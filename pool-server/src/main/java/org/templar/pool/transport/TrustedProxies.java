package org.templar.pool.transport;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The addresses allowed to put a PROXY protocol header in front of a Stratum connection (load
 * balancers such as HAProxy), as CIDR ranges. From these the header is required; from anyone else it
 * is refused. Empty: nobody, the default.
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private record Range(byte[] network, int prefix, String text) {
        boolean contains(InetAddress address) {
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
    }

    private final List<Range> ranges;

    private TrustedProxies(List<Range> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /**
     * Parses {@code 10.0.0.0/8}, {@code 127.0.0.1/32}, {@code ::1/128} or a bare address (a single host).
     * Only numeric addresses: a name would need a DNS lookup on every connection.
     *
     * @throws IllegalArgumentException naming the first bad entry
     */
    public static TrustedProxies parse(List<String> cidrs) {
        List<Range> out = new ArrayList<>();
        for (String raw : cidrs) {
            String s = raw.trim();
            int slash = s.indexOf('/');
            String host = slash < 0 ? s : s.substring(0, slash);
            if (host.isEmpty() || !(host.contains(":") || host.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
                throw new IllegalArgumentException("'" + raw + "' is not an IP address or CIDR range");
            }
            byte[] network;
            try {
                network = InetAddress.getByName(host).getAddress(); // numeric: no lookup
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + raw + "' is not an IP address or CIDR range");
            }
            int prefix;
            try {
                prefix = slash < 0 ? network.length * 8 : Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + raw + "' has a bad prefix length");
            }
            if (prefix < 0 || prefix > network.length * 8) {
                throw new IllegalArgumentException("'" + raw + "' has a prefix length outside 0.." + network.length * 8);
            }
            out.add(new Range(network, prefix, s));
        }
        return new TrustedProxies(out);
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    public boolean trusts(InetAddress address) {
        for (Range r : ranges) {
            if (r.contains(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return ranges.stream().map(Range::text).toList().toString();
    }
}
