package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.crypto.ECKey;
import org.junit.jupiter.api.Test;

class AuthorizerTest {
    private static final String POOL = new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString();
    private static final String MINER = new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString();

    @Test
    void inCoinbasePoolModeWantsAnAddressAsAccountAndStillPaysThePoolPlan() throws Exception {
        Authorizer tides = new Authorizer(BitcoinNetwork.REGTEST, PayoutMode.POOL, Optional.of(POOL), true);
        Worker w = tides.authorize(MINER + ".rig1");
        assertEquals(MINER, w.user());
        assertEquals(PayoutMode.POOL, w.mode());
        assertEquals(POOL, w.payout().describe(), "the template's plan replaces it in every job");
        Authorizer.AuthorizationException e = assertThrows(Authorizer.AuthorizationException.class,
                () -> tides.authorize("alice.rig1"));
        assertTrue(e.getMessage().contains("ADDRESS[.worker]"), e.getMessage());
        String mainnet = new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.MAINNET).toString();
        assertThrows(Authorizer.AuthorizationException.class, () -> tides.authorize(mainnet), "another network's address");
        // plain pool mode takes any account name
        assertEquals("alice", new Authorizer(BitcoinNetwork.REGTEST, PayoutMode.POOL, Optional.of(POOL)).authorize("alice.x").user());
    }
}
