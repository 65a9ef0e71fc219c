package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import org.templar.pool.sv2.noise.AuthorityPublicKey;
import picocli.CommandLine;

/** `templar keys generate` and `templar keys show`, run through the real picocli command line. */
@Timeout(30)
class Sv2KeysCommandTest {
    private record Run(int code, String out) {}

    private static Run run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            int code = new CommandLine(new Templar()).execute(args);
            return new Run(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(saved);
        }
    }

    private static String field(String out, String name) {
        for (String line : out.split("\n")) {
            if (line.startsWith(name + ": ")) {
                return line.substring(name.length() + 2).strip();
            }
        }
        throw new AssertionError("no " + name + " in: " + out);
    }

    @Test
    void generatePrintsAMatchingPairInTheSpecTextForms() {
        Run r = run("keys", "generate");
        assertEquals(0, r.code());
        AuthorityKeyPair pair = AuthorityKeyPair.parseSecret(field(r.out(), "secret_key"));
        AuthorityPublicKey pub = AuthorityPublicKey.parse(field(r.out(), "public_key"));
        assertEquals(pair.publicKey(), pub);
        assertNotEquals(field(r.out(), "secret_key"), field(run("keys", "generate").out(), "secret_key"));
    }

    @Test
    void generateToAFileThenShowForTheDataDirectory(@TempDir Path dir) throws Exception {
        Path file = PoolRuntime.authorityKeyFile(dir);
        Run g = run("keys", "generate", "--out", file.toString());
        assertEquals(0, g.code());
        assertTrue(Files.exists(file));
        String pub = field(g.out(), "public_key");
        assertTrue(!g.out().contains(AuthorityKeyPair.load(file).secretText()), "the secret stays in the file");

        Run s = run("keys", "show", "--data-dir", dir.toString());
        assertEquals(0, s.code());
        assertEquals(pub, s.out().strip());

        assertNotEquals(0, run("keys", "generate", "--out", file.toString()).code(), "never overwrites a key");
        assertEquals(pub, AuthorityKeyPair.load(file).publicKey().toBase58());
        assertEquals(1, run("keys", "show", "--data-dir", dir.resolve("nowhere").toString()).code());
    }
}
