package org.templar.pool.sv2.noise;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;

/**
 * The pool's certificate authority key: it signs the certificates of the pool's Noise static keys,
 * and miners pin its public key. The secret key's text form is base58check of the raw 32 bytes (the
 * form the SV2 reference implementation's tools read and print; the spec itself defines only the
 * public key's form).
 */
public final class AuthorityKeyPair {

    private final BigInteger secret;
    private final AuthorityPublicKey publicKey;

    private AuthorityKeyPair(BigInteger secret) {
        if (!Secp256k1.isValidSecret(secret)) {
            throw new IllegalArgumentException("authority secret key out of range (0 or >= curve order)");
        }
        this.secret = secret;
        this.publicKey = AuthorityPublicKey.of(Secp256k1.xOnlyPublicKey(secret));
    }

    public static AuthorityKeyPair generate(SecureRandom random) {
        return new AuthorityKeyPair(Secp256k1.randomSecret(random));
    }

    public static AuthorityKeyPair fromSecret(byte[] secret32) {
        if (secret32.length != 32) {
            throw new IllegalArgumentException("authority secret key is 32 bytes, got " + secret32.length);
        }
        return new AuthorityKeyPair(new BigInteger(1, secret32));
    }

    /** Parses the secret key's base58check text form. */
    public static AuthorityKeyPair parseSecret(String text) {
        byte[] payload = Base58Check.decode(text.strip(), "authority secret key");
        if (payload.length != 32) {
            throw new IllegalArgumentException("authority secret key must decode to 32 bytes, got " + payload.length);
        }
        return fromSecret(payload);
    }

    /**
     * Reads a key file written by {@link #save}: '#' lines are comments, the first other line is the
     * secret key text. A bare secret-key text file works too.
     */
    public static AuthorityKeyPair load(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (String line : lines) {
            String trimmed = line.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                try {
                    return parseSecret(trimmed);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
                }
            }
        }
        throw new IllegalArgumentException(file + ": no authority secret key in the file");
    }

    /**
     * Where a Templar data directory keeps its authority key: the pool's (`templar run`) and the
     * proxy's (`templar proxy`, for its SV2 downstream) alike, so `templar keys show --data-dir` reads
     * either.
     */
    public static Path fileIn(Path dataDir) {
        return dataDir.resolve("authority.key");
    }

    /**
     * The pool's first start: loads the key file, or creates it with a fresh key when absent. The
     * caller logs the public key either way so operators can publish it.
     */
    public static AuthorityKeyPair loadOrCreate(Path file, SecureRandom random) throws IOException {
        if (Files.exists(file)) {
            return load(file);
        }
        AuthorityKeyPair created = generate(random);
        created.save(file);
        return created;
    }

    /**
     * Writes the key to a new file readable only by its owner (where the file system has POSIX
     * permissions). Refuses to overwrite: replacing an authority key strands every miner that pinned
     * the old public key.
     */
    public void save(Path file) throws IOException {
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "refusing to overwrite an authority key");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        String content = "# Templar Stratum V2 authority secret key. Keep it secret; miners pin the public key.\n"
                + "# public key: " + publicKey.toBase58() + "\n"
                + secretText() + "\n";
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException noPosix) {
            Files.createFile(file);
        }
        Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    public AuthorityPublicKey publicKey() {
        return publicKey;
    }

    /** The secret key's base58check text form. */
    public String secretText() {
        return Base58Check.encode(Secp256k1.to32(secret));
    }

    /** BIP340 signature by this authority. */
    public byte[] sign(byte[] message, SecureRandom random) {
        return Schnorr.sign(secret, message, random);
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "AuthorityKeyPair[public=" + publicKey.toBase58() + "]";
    }
}
