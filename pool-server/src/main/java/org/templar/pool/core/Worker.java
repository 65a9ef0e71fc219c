package org.templar.pool.core;

import org.templar.payout.coinbase.PayoutPlan;

/**
 * An authorized miner identity: the full username, its account part (before the first '.'), its rig
 * name (after it), and the payout plan its jobs use.
 */
public record Worker(String username, String user, String workerName, PayoutMode mode, PayoutPlan payout) {
    public static String userOf(String username) {
        int dot = username.indexOf('.');
        return dot < 0 ? username : username.substring(0, dot);
    }

    public static String workerNameOf(String username) {
        int dot = username.indexOf('.');
        return dot < 0 ? "" : username.substring(dot + 1);
    }
}
