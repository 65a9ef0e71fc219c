package org.templar.ops;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `templar keys generate|show`: the Stratum V2 authority key that signs the pool's certificates. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Create or show the Stratum V2 authority key pair (miners pin its public key).",
        subcommands = {KeysCommand.Generate.class, KeysCommand.Show.class})
final class KeysCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        picocli.CommandLine.usage(this, System.out);
        return 0;
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Create a new authority key pair; print it, or write the secret to --out (never overwritten).")
    static final class Generate implements Callable<Integer> {
        @Option(names = "--out", description = "key file to create (e.g. DATA_DIR/authority.key); refuses to overwrite")
        Path out;

        @Override
        public Integer call() throws Exception {
            AuthorityKeyPair key = AuthorityKeyPair.generate(new SecureRandom());
            if (out != null) {
                key.save(out);
                System.out.println("wrote secret key to " + out);
            } else {
                System.out.println("secret_key: " + key.secretText());
            }
            System.out.println("public_key: " + key.publicKey().toBase58());
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the authority public key of a pool setup (from DATA_DIR/authority.key), or of"
                    + " `templar proxy` with its --data-dir.")
    static final class Show implements Callable<Integer> {
        @Option(names = "--data-dir", defaultValue = "./data", description = "the pool's data_dir or the proxy's --data-dir (default ${DEFAULT-VALUE})")
        Path dataDir;

        @Option(names = "--key-file", description = "a key file elsewhere than DATA_DIR/authority.key")
        Path keyFile;

        @Option(names = "--json", description = "print {\"public_key\": ..., \"key_file\": ...}")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Path file = keyFile != null ? keyFile : PoolRuntime.authorityKeyFile(dataDir);
            if (!Files.exists(file)) {
                System.err.println("no authority key at " + file + " (the pool creates one on its first start with SV2 on)");
                return 1;
            }
            String key = AuthorityKeyPair.load(file).publicKey().toBase58();
            if (json) {
                System.out.println(AdminApi.JSON.createObjectNode().put("public_key", key)
                        .put("key_file", file.toString()).toPrettyString());
            } else {
                System.out.println(key);
            }
            return 0;
        }
    }
}
