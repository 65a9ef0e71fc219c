package org.templar.pool.transport;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.templar.pool.core.IpRange;

/**
 * The addresses allowed to put a PROXY protocol header in front of a Stratum connection (load
 * balancers such as HAProxy), as CIDR ranges. From these the header is required; from anyone else it
 * is refused. Empty: nobody, the default.
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private record Range(IpRange range, String text) {
        boolean contains(InetAddress address) {
            return range.contains(address);
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
            out.add(new Range(IpRange.parse(raw), raw.trim()));
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
