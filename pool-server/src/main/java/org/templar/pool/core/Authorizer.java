package org.templar.pool.core;

import java.util.Optional;
import org.bitcoinj.base.Address;
import org.bitcoinj.base.AddressParser;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.exceptions.AddressFormatException;
import org.bitcoinj.script.ScriptBuilder;
import org.templar.payout.coinbase.PayoutPlan;

/**
 * Turns a username into a {@link Worker}. In solo mode the account part must be an address of the
 * configured network (any type: P2PKH, P2SH, P2WPKH, P2WSH, P2TR); in pool mode any account name is
 * accepted and jobs pay the pool's address.
 */
public final class Authorizer {
    private final BitcoinNetwork network;
    private final PayoutMode mode;
    private final Optional<PayoutPlan> poolPlan;
    private final boolean addressAccounts;

    public Authorizer(BitcoinNetwork network, PayoutMode mode, Optional<String> poolAddress) {
        this(network, mode, poolAddress, false);
    }

    /**
     * @param addressAccounts in pool mode, require the account part to be an address of the network:
     *     an in-coinbase scheme (TIDES) pays each miner's account in the coinbase
     */
    public Authorizer(BitcoinNetwork network, PayoutMode mode, Optional<String> poolAddress, boolean addressAccounts) {
        this.addressAccounts = addressAccounts;
        this.network = network;
        this.mode = mode;
        if (mode == PayoutMode.POOL) {
            String a = poolAddress.orElseThrow(() -> new IllegalArgumentException("pool mode needs a pool payout address"));
            this.poolPlan = Optional.of(planFor(network, a));
        } else {
            this.poolPlan = Optional.empty();
        }
    }

    public PayoutMode mode() {
        return mode;
    }

    public BitcoinNetwork network() {
        return network;
    }

    /** Authorizes {@code username} or throws with a message fit to show the miner. */
    public Worker authorize(String username) throws AuthorizationException {
        String user = Worker.userOf(username);
        if (user.isEmpty()) {
            throw new AuthorizationException("username '" + username + "' has no account part before the '.'");
        }
        if (mode == PayoutMode.SOLO) {
            PayoutPlan plan;
            try {
                plan = planFor(network, user);
            } catch (IllegalArgumentException e) {
                throw new AuthorizationException("solo mining needs ADDRESS[.worker] as username; '" + user + "' is not a valid "
                        + network.toString() + " address (" + e.getMessage() + ")");
            }
            return new Worker(username, user, Worker.workerNameOf(username), mode, plan);
        }
        if (addressAccounts) {
            try {
                planFor(network, user);
            } catch (IllegalArgumentException e) {
                throw new AuthorizationException("this pool pays every miner in the coinbase (TIDES): the username must be "
                        + "ADDRESS[.worker]; '" + user + "' is not a valid " + network + " address (" + e.getMessage() + ")");
            }
        }
        return new Worker(username, user, Worker.workerNameOf(username), mode, poolPlan.orElseThrow());
    }

    /** Parses an address of {@code network} into a plan paying it everything. */
    public static PayoutPlan.SingleAddress planFor(BitcoinNetwork network, String address) {
        Address parsed;
        try {
            parsed = AddressParser.getDefault(network).parseAddress(address);
        } catch (AddressFormatException e) {
            throw new IllegalArgumentException(e.getMessage() == null ? "bad address" : e.getMessage(), e);
        }
        return new PayoutPlan.SingleAddress(address, ScriptBuilder.createOutputScript(parsed).program());
    }

    /** A username refused at authorize. */
    public static final class AuthorizationException extends Exception {
        private static final long serialVersionUID = 1L;

        public AuthorizationException(String message) {
            super(message);
        }
    }
}
