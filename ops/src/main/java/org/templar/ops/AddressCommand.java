package org.templar.ops;

import java.util.concurrent.Callable;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.crypto.ECKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `templar address`: a fresh key and its address, so a newcomer on regtest has somewhere to mine to
 * (and the private key to spend what was mined) without installing a wallet.
 */
@Command(name = "address", mixinStandardHelpOptions = true,
        description = "Create a new key pair and print its address and private key (WIF), for mining to on regtest.")
final class AddressCommand implements Callable<Integer> {
    @Option(names = "--network", defaultValue = "regtest", description = "regtest | testnet | signet (default ${DEFAULT-VALUE})")
    String network;

    @Option(names = "--type", defaultValue = "p2wpkh", description = "p2wpkh | p2pkh (default ${DEFAULT-VALUE})")
    String type;

    @Option(names = {"-q", "--quiet"}, description = "print the address only (for scripts); the key is then lost")
    boolean quiet;

    @Override
    public Integer call() {
        BitcoinNetwork net = switch (network) {
            case "regtest" -> BitcoinNetwork.REGTEST;
            case "testnet" -> BitcoinNetwork.TESTNET;
            case "signet" -> BitcoinNetwork.SIGNET;
            default -> throw new IllegalArgumentException("--network must be regtest, testnet or signet "
                    + "(make mainnet keys with a real wallet)");
        };
        ScriptType scriptType = switch (type) {
            case "p2wpkh" -> ScriptType.P2WPKH;
            case "p2pkh" -> ScriptType.P2PKH;
            default -> throw new IllegalArgumentException("--type must be p2wpkh or p2pkh");
        };
        ECKey key = new ECKey();
        String address = key.toAddress(scriptType, net).toString();
        if (quiet) {
            System.out.println(address);
        } else {
            System.out.println("address      " + address);
            System.out.println("private key  " + key.getPrivateKeyAsWiF(net) + "   (WIF; keep it to spend what you mine)");
        }
        return 0;
    }
}
