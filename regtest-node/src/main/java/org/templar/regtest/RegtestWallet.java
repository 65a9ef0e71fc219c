package org.templar.regtest;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bitcoinj.base.Address;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.Coin;
import org.bitcoinj.base.SegwitAddress;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;
import org.bitcoinj.core.TransactionOutPoint;
import org.bitcoinj.core.TransactionWitness;
import org.bitcoinj.crypto.ECKey;
import org.bitcoinj.crypto.TransactionSignature;
import org.bitcoinj.script.ScriptBuilder;

/**
 * A one-key faucet for tests and demos: a P2WPKH address to mine to, and signed transactions
 * spending its mature coinbase outputs, ready for sendrawtransaction.
 */
public final class RegtestWallet {
    private final ECKey key;
    private final SegwitAddress address;

    private RegtestWallet(ECKey key) {
        this.key = key;
        this.address = SegwitAddress.fromKey(org.bitcoinj.params.RegTestParams.get(), key);
    }

    public static RegtestWallet random() {
        return new RegtestWallet(new ECKey());
    }

    public static RegtestWallet fromPrivateKey(byte[] privateKey32) {
        return new RegtestWallet(ECKey.fromPrivate(privateKey32, true));
    }

    /** The bech32 (bcrt1q...) address. */
    public String address() {
        return address.toString();
    }

    public byte[] scriptPubKey() {
        return ScriptBuilder.createOutputScript(address).program();
    }

    public ECKey key() {
        return key;
    }

    /**
     * The oldest coinbase output of this wallet that the next block may spend (100 confirmations)
     * and that no mempool transaction spends yet.
     */
    public Optional<Map.Entry<OutPointKey, Utxo>> matureCoinbase(RegtestChain chain) {
        int spendHeight = chain.height() + 1;
        for (Map.Entry<OutPointKey, Utxo> e : chain.unspentTo(scriptPubKey())) {
            Utxo u = e.getValue();
            if ((!u.coinbase() || spendHeight - u.height() >= RegtestConsensus.COINBASE_MATURITY) && !chain.spentInMempool(e.getKey())) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Every output of this wallet on the active chain, mature or not, oldest first. */
    public List<Map.Entry<OutPointKey, Utxo>> outputs(RegtestChain chain) {
        return chain.unspentTo(scriptPubKey());
    }

    /**
     * Spends a mature coinbase output: {@code amountSats} to {@code toAddress}, {@code feeSats} to the
     * miner, the rest back to this wallet. Returns the raw transaction hex.
     */
    public String payFromMatureCoinbase(RegtestChain chain, String toAddress, long amountSats, long feeSats) {
        Map.Entry<OutPointKey, Utxo> coin = matureCoinbase(chain)
                .orElseThrow(() -> new IllegalStateException("no mature coinbase output for " + address()));
        return spend(coin.getKey(), coin.getValue().value(), toAddress, amountSats, feeSats);
    }

    /**
     * Builds and signs a version-2 transaction spending one P2WPKH output of this wallet (value
     * {@code inputValue}) to {@code toAddress}, with change to this wallet when above dust.
     */
    public String spend(OutPointKey outpoint, long inputValue, String toAddress, long amountSats, long feeSats) {
        Address to = RegtestRpc.parseAddress(toAddress)
                .orElseThrow(() -> new IllegalArgumentException("not a regtest address: " + toAddress));
        return spendToScript(outpoint, inputValue, ScriptBuilder.createOutputScript(to).program(), amountSats, feeSats);
    }

    /** As {@link #spend} but paying an arbitrary output script (e.g. OP_RETURN data); {@code amountSats} may be 0. */
    public String spendToScript(OutPointKey outpoint, long inputValue, byte[] outputScript, long amountSats, long feeSats) {
        long change = inputValue - amountSats - feeSats;
        if (amountSats < 0 || change < 0) {
            throw new IllegalArgumentException("amount " + amountSats + " + fee " + feeSats + " exceeds input " + inputValue);
        }
        Transaction tx = new Transaction();
        tx.setVersion(2);
        tx.addInput(new TransactionInput(tx, new byte[0], new TransactionOutPoint(outpoint.index(), outpoint.txid()),
                Coin.valueOf(inputValue)));
        tx.addOutput(new org.bitcoinj.core.TransactionOutput(tx, Coin.valueOf(amountSats), outputScript));
        if (change >= 294) { // Core's dust threshold for a P2WPKH output
            tx.addOutput(Coin.valueOf(change), address);
        }
        TransactionSignature sig = tx.calculateWitnessSignature(0, key, ScriptBuilder.createP2PKHOutputScript(key),
                Coin.valueOf(inputValue), Transaction.SigHash.ALL, false);
        tx.replaceInput(0, tx.getInput(0).withWitness(TransactionWitness.redeemP2WPKH(sig, key)));
        return Hex.encode(tx.serialize());
    }

    public static boolean isRegtestAddress(String s) {
        return RegtestRpc.parseAddress(s).map(a -> a.network() == BitcoinNetwork.REGTEST).orElse(false);
    }
}
