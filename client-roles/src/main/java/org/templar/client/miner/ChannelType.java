package org.templar.client.miner;

import java.util.Locale;

/**
 * Which Stratum V2 mining channel {@code templar mine} opens. Standard channels are header-only: the pool
 * computes the merkle root and the miner rolls only nonce and version bits. Extended channels send the
 * coinbase halves and the merkle path, and the miner rolls its own part of the extranonce, so its search
 * space never runs out between jobs. Ignored for Stratum V1.
 */
public enum ChannelType {
    STANDARD,
    EXTENDED;

    /** {@code standard} or {@code extended}, any case. */
    public static ChannelType parse(String text) {
        if (text != null) {
            for (ChannelType t : values()) {
                if (t.name().equalsIgnoreCase(text.trim())) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("channel type must be 'standard' or 'extended', got '" + text + "'");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
