package org.templar.pool.core;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Bans addresses that abuse the pool ({@link AutoBanSettings}): floods of invalid shares, guessing
 * usernames, garbage instead of protocol. Sessions report what they see per peer address; counts are
 * kept per address (not per connection, so opening new connections does not reset them) over a
 * sliding window, estimated from the current and the previous fixed window (memory per address is
 * fixed). A ban is written to the {@link BanList} (and so to the database), closes every connection
 * from the address, is counted and gets one line in the operators' log.
 */
public final class AutoBans {
    /** What a ban was for; the text is the metric's reason label. */
    public enum Trigger {
        INVALID_SHARES("invalid_shares"), AUTH_FAILURES("auth_failures"), PROTOCOL_ERRORS("protocol_errors");

        private final String label;

        Trigger(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private static final int SHARES = 0;
    private static final int INVALID = 1;
    private static final int AUTH = 2;
    private static final int PROTOCOL = 3;

    /** One address's counts in the current and the previous window. */
    private static final class Tracker {
        long slot;
        final long[] current = new long[4];
        final long[] previous = new long[4];

        /** Moves to the window {@code now} falls in; returns the weight left to the previous one. */
        double roll(long slotNow, double intoSlot) {
            if (slotNow != slot) {
                if (slotNow == slot + 1) {
                    System.arraycopy(current, 0, previous, 0, 4);
                } else {
                    java.util.Arrays.fill(previous, 0);
                }
                java.util.Arrays.fill(current, 0);
                slot = slotNow;
            }
            return 1 - intoSlot;
        }

        double estimate(int counter, double previousWeight) {
            return current[counter] + previous[counter] * previousWeight;
        }
    }

    private final AutoBanSettings settings;
    private final BanList bans;
    private final PoolMetrics metrics;
    private final OperatorLog log;
    private final LongSupplier nanos;
    private final long windowNanos;
    private final ConcurrentHashMap<InetAddress, Tracker> trackers = new ConcurrentHashMap<>();
    private volatile long lastSweepSlot;

    public AutoBans(AutoBanSettings settings, BanList bans, PoolMetrics metrics, OperatorLog log) {
        this(settings, bans, metrics, log, System::nanoTime);
    }

    AutoBans(AutoBanSettings settings, BanList bans, PoolMetrics metrics, OperatorLog log, LongSupplier nanos) {
        this.settings = settings;
        this.bans = bans;
        this.metrics = metrics;
        this.log = log;
        this.nanos = nanos;
        this.windowNanos = settings.window().toNanos();
    }

    public AutoBanSettings settings() {
        return settings;
    }

    /** A share judged for a connection from {@code peer}; {@code invalid} when it was refused as bad (not stale). */
    public void onShare(InetAddress peer, boolean invalid) {
        record(peer, invalid ? INVALID : SHARES, invalid);
    }

    /** A refused authorization (unknown user, bad address) from {@code peer}. */
    public void onAuthFailure(InetAddress peer) {
        record(peer, AUTH, false);
    }

    /** A message from {@code peer} that could not be decoded (bad JSON, a bad frame, a line too long). */
    public void onProtocolError(InetAddress peer) {
        record(peer, PROTOCOL, false);
    }

    private void record(InetAddress peer, int counter, boolean alsoShare) {
        if (!settings.enabled() || peer == null) {
            return;
        }
        long now = nanos.getAsLong();
        long slot = Math.floorDiv(now, windowNanos);
        double into = (double) Math.floorMod(now, windowNanos) / windowNanos;
        sweep(slot);
        Trigger trigger = null;
        String why = null;
        Tracker t = trackers.computeIfAbsent(peer, a -> {
            Tracker n = new Tracker();
            n.slot = slot;
            return n;
        });
        synchronized (t) {
            double w = t.roll(slot, into);
            t.current[counter]++;
            if (alsoShare) {
                t.current[SHARES]++;
            }
            double shares = t.estimate(SHARES, w);
            double invalid = t.estimate(INVALID, w);
            if (counter == INVALID || counter == SHARES) {
                if (invalid >= settings.maxInvalidShares()) {
                    trigger = Trigger.INVALID_SHARES;
                    why = String.format("%.0f invalid shares within %ds", invalid, settings.window().toSeconds());
                } else if (shares >= settings.minShares() && invalid / shares > settings.maxInvalidRatio()) {
                    trigger = Trigger.INVALID_SHARES;
                    why = String.format("%.0f of %.0f shares invalid within %ds", invalid, shares, settings.window().toSeconds());
                }
            } else if (counter == AUTH && t.estimate(AUTH, w) >= settings.maxAuthFailures()) {
                trigger = Trigger.AUTH_FAILURES;
                why = String.format("%.0f failed authorizations within %ds", t.estimate(AUTH, w), settings.window().toSeconds());
            } else if (counter == PROTOCOL && t.estimate(PROTOCOL, w) >= settings.maxProtocolErrors()) {
                trigger = Trigger.PROTOCOL_ERRORS;
                why = String.format("%.0f protocol errors within %ds", t.estimate(PROTOCOL, w), settings.window().toSeconds());
            }
        }
        if (trigger != null) {
            trackers.remove(peer, t); // a fresh count after the ban
            ban(peer, trigger, why);
        }
    }

    private void ban(InetAddress peer, Trigger trigger, String why) {
        if (bans.isBanned(peer)) {
            return; // connections still closing report on
        }
        IpRange range = IpRange.of(peer);
        BanList.Ban ban = bans.ban(range, settings.banFor(), why, BanList.Source.AUTOMATIC);
        metrics.autoBan(trigger.label());
        log.info("automatic ban of {} until {}: {}", range, ban.until(), why);
        bans.enforce(range);
    }

    /** Drops the counts of addresses silent for two windows, at most once a window. */
    private void sweep(long slot) {
        if (slot <= lastSweepSlot + 1) {
            return;
        }
        lastSweepSlot = slot;
        trackers.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return e.getValue().slot < slot - 1;
            }
        });
    }

    /** Addresses being counted (for tests and metrics). */
    public int tracked() {
        return trackers.size();
    }
}
