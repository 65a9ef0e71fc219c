package org.templar.pool.sv2.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthorityKeysTest {

    @Test
    void publicKeyTextFormMatchesTheSpecVector() {
        // sv2-spec 04-Protocol-Security.md, 4.7.1.
        int[] raw = {118, 99, 112, 0, 151, 156, 28, 17, 175, 12, 48, 11, 205, 140, 127, 228, 134, 16, 252, 233,
            185, 193, 30, 61, 174, 227, 90, 224, 176, 138, 116, 85};
        byte[] key = new byte[32];
        for (int i = 0; i < 32; i++) {
            key[i] = (byte) raw[i];
        }
        AuthorityPublicKey publicKey = AuthorityPublicKey.of(key);
        assertEquals("9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXh", publicKey.toBase58());
        assertEquals(publicKey, AuthorityPublicKey.parse("9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXh"));
    }

    @Test
    void secretKeyTextFormInteroperatesWithTheReferenceTools() {
        // Key pair from the SV2 reference implementation's key-utils tests (stratum-mining/stratum).
        AuthorityKeyPair pair = AuthorityKeyPair.parseSecret("zmBEmPhqo3A92FkiLVvyCz6htc3e53ph3ZbD4ASqGaLjwnFLi");
        assertEquals("9bDuixKmZqAJnrmP746n8zU1wyAQRrus7th9dxnkPg6RzQvCnan", pair.publicKey().toBase58());
        assertEquals("zmBEmPhqo3A92FkiLVvyCz6htc3e53ph3ZbD4ASqGaLjwnFLi", pair.secretText());
        assertFalse(pair.toString().contains(pair.secretText()));
    }

    @Test
    void badPublicKeyTextIsRefusedWithAReason() {
        IllegalArgumentException checksum = assertThrows(IllegalArgumentException.class,
                () -> AuthorityPublicKey.parse("9bDuixKmZqAJnrmP746n8zU1wyAQRrus7th9dxnkPg6RzQvCnam"));
        assertTrue(checksum.getMessage().contains("checksum"), checksum.getMessage());
        IllegalArgumentException version = assertThrows(IllegalArgumentException.class,
                () -> AuthorityPublicKey.parse("2myPhc5vkPzuC5FXNK5tee79WmP7uoLh55SxezoF8iqwF3E3rnPY"));
        assertTrue(version.getMessage().contains("version"), version.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> AuthorityPublicKey.parse("2wmHTKZkLg2QzXyEXGMBXzKP7JXDUt8yy9SA5hoQwERc92qR6c"));
        assertThrows(IllegalArgumentException.class, () -> AuthorityPublicKey.parse("not base58 0OIl"));
    }

    @Test
    void loadOrCreateMakesTheKeyOnceAndThenKeepsIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("data/authority.key");
        AuthorityKeyPair first = AuthorityKeyPair.loadOrCreate(file, new SecureRandom());
        assertTrue(Files.exists(file));
        AuthorityKeyPair second = AuthorityKeyPair.loadOrCreate(file, new SecureRandom());
        assertEquals(first.publicKey(), second.publicKey());
    }

    @Test
    void generatedKeySurvivesSaveAndLoadAndIsNotOverwritten(@TempDir Path dir) throws Exception {
        AuthorityKeyPair pair = AuthorityKeyPair.generate(new SecureRandom());
        Path file = dir.resolve("keys/authority.key");
        pair.save(file);
        AuthorityKeyPair loaded = AuthorityKeyPair.load(file);
        assertEquals(pair.publicKey(), loaded.publicKey());
        assertEquals(pair.secretText(), loaded.secretText());
        assertTrue(Files.readString(file).contains(pair.publicKey().toBase58()));
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(file));
        }
        assertThrows(FileAlreadyExistsException.class, () -> AuthorityKeyPair.generate(new SecureRandom()).save(file));
        assertEquals(pair.publicKey(), AuthorityKeyPair.load(file).publicKey());
    }
}
