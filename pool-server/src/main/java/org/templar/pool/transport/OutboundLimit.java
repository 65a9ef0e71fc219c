package org.templar.pool.transport;

import io.netty.channel.WriteBufferWaterMark;

/**
 * How much a connection may owe its peer. Above {@code highWaterMark} pending bytes the channel turns
 * unwritable and we stop reading from it (a peer that does not read gets no more answers to queue);
 * below {@code lowWaterMark} reading resumes. Above {@code hardCap} the connection is closed: that is the
 * only bound on what the pool itself pushes (job announcements), which must never be dropped silently.
 */
public record OutboundLimit(int lowWaterMark, int highWaterMark, long hardCap) {
    /** The default cap: hundreds of SV1 job announcements, far more than an honest miner ever lags. */
    public static final long DEFAULT_CAP = 1L << 20;
    public static final OutboundLimit DEFAULT = ofCap(DEFAULT_CAP);

    public OutboundLimit {
        if (lowWaterMark < 0 || highWaterMark <= lowWaterMark || hardCap <= highWaterMark) {
            throw new IllegalArgumentException("need 0 <= low < high < cap, got " + lowWaterMark + ", " + highWaterMark
                    + ", " + hardCap);
        }
    }

    /**
     * The limit for a cap: the high-water mark is a quarter of it (at most 64 KiB, enough to keep a fast
     * link busy), so a client that stops reading is stopped long before the cap.
     */
    public static OutboundLimit ofCap(long hardCap) {
        if (hardCap < 4096) {
            throw new IllegalArgumentException("outbound cap must be at least 4096 bytes, got " + hardCap);
        }
        int high = (int) Math.min(64 * 1024, hardCap / 4);
        return new OutboundLimit(high / 2, high, hardCap);
    }

    WriteBufferWaterMark waterMark() {
        return new WriteBufferWaterMark(lowWaterMark, highWaterMark);
    }
}
