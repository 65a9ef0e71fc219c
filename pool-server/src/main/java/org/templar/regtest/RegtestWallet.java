package org.templar.regtest;

import java.security.SecureRandom;
import org.bitcoinj.base.Address;
import org.bitcoinj.base.AddressParser;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.Coin;
import org.bitcoinj.base.SegwitAddress;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionOutPoint;
import org.bitcoinj.crypto.ECKey;
import org.bitcoinj.script.Script;
import org.bitcoinj.script.ScriptBuilder;
import org.templar.share.Hex;

/**
 * A one-key faucet for tests and demos: holds an ECKey and its P2WPKH regtest address, and builds
 * and signs transactions spending outputs paid to that address (typically mature coinbase outputs
 * of blocks generated to it), returning raw hex ready for sendrawtransaction.
 */
public final class RegtestWallet {
    /** Below this a P2WPKH change output would be dust under Core's default policy (3 sat/vB dust relay fee). */
    static final long P2WPKH_DUST = 294;

    private final ECKey key;
    private final SegwitAddress address;

    private RegtestWallet(ECKey key) {
        this.key = key;
        this.address = SegwitAddress.fromHash(BitcoinNetwork.REGTEST, key.getPubKeyHash());
    }

    /** A wallet with a fresh random key. */
    public static RegtestWallet random() {
        return new RegtestWallet(new ECKey(new SecureRandom()));
    }

    /** A wallet for a known 32-byte private key, so that demos can be repeated with the same address. */
    public static RegtestWallet fromPrivateKey(byte[] privateKey32) {
        if (privateKey32.length != 32) {
            throw new IllegalArgumentException("a private key is 32 bytes");
        }
        return new RegtestWallet(ECKey.fromPrivate(privateKey32));
    }

    /** The bech32 regtest address (bcrt1q...). */
    public String address() {
        return address.toString();
    }

    /** The output script paying this wallet: OP_0 PUSH20(hash160(pubkey)). */
    public byte[] scriptPubKey() {
        return ScriptBuilder.createOutputScript(address).program();
    }

    /** Script of any regtest address (bech32, bech32m or base58), for outputs and comparisons. */
    public static byte[] scriptFor(String regtestAddress) {
        Address a = AddressParser.getDefault(BitcoinNetwork.REGTEST).parseAddress(regtestAddress);
        return ScriptBuilder.createOutputScript(a).program();
    }

    /**
     * Sends {@code valueSats - feeSats} of the output {@code txid:vout} (worth {@code valueSats} and
     * paying this wallet) to {@code toAddress}. Returns the signed transaction as hex.
     */
    public String spendAll(String txid, long vout, long valueSats, String toAddress, long feeSats) {
        return spend(txid, vout, valueSats, toAddress, valueSats - feeSats, feeSats);
    }

    /**
     * Pays {@code amountSats} from the output {@code txid:vout} to {@code toAddress}, leaves
     * {@code feeSats} as fee and returns the rest to this wallet (as output 1, unless it is nothing).
     * Returns the signed transaction as hex.
     */
    public String spend(String txid, long vout, long valueSats, String toAddress, long amountSats, long feeSats) {
        if (amountSats <= 0 || feeSats < 0) {
            throw new IllegalArgumentException("amount must be positive and fee non-negative");
        }
        long change = valueSats - amountSats - feeSats;
        if (change < 0) {
            throw new IllegalArgumentException("output worth " + valueSats + " cannot pay " + amountSats + " + fee " + feeSats);
        }
        if (change > 0 && change < P2WPKH_DUST) {
            throw new IllegalArgumentException("change of " + change + " sat would be dust; adjust amount or fee");
        }
        Transaction tx = new Transaction();
        tx.setVersion(2);
        tx.addOutput(Coin.valueOf(amountSats), Script.parse(scriptFor(toAddress)));
        if (change > 0) {
            tx.addOutput(Coin.valueOf(change), address);
        }
        // Outputs first: the SIGHASH_ALL signature commits to them.
        tx.addSignedInput(new TransactionOutPoint(vout, Sha256Hash.wrap(txid)),
                ScriptBuilder.createOutputScript(address), Coin.valueOf(valueSats), key);
        return Hex.encode(tx.serialize());
    }
}
