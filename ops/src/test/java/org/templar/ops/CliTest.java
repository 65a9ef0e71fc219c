package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The `templar` command line as an operator types it. */
class CliTest {
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Templar.commandLine().execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void configCheckAcceptsAGoodFileAndRefusesABadOneWithTheKey(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good.toml");
        Files.writeString(good, "network = \"regtest\"\n[pool]\ntag = \"/x/\"\n");
        Result ok = run("config", "check", good.toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("OK"));
        Path bad = dir.resolve("bad.toml");
        Files.writeString(bad, "[sv1]\nmax_line_length = 3\n");
        Result no = run("config", "check", bad.toString());
        assertEquals(2, no.code());
        assertTrue(no.err().contains("sv1.max_line_length") && no.err().contains("3"), no.err());
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : new String[] {"run", "node", "mine", "proxy", "config", "keys", "audit", "address", "status", "workers", "blocks", "kick", "ban", "unban", "bans"}) {
            Result r = run(cmd, "--help");
            assertEquals(0, r.code(), cmd);
            assertTrue(r.out().contains("Usage: templar " + cmd), cmd + ": " + r.out());
        }
        Result address = run("address", "--quiet");
        assertEquals(0, address.code());
        org.templar.pool.core.Authorizer.planFor(org.bitcoinj.base.BitcoinNetwork.REGTEST, address.out().trim());
        assertTrue(run("address").out().contains("private key"));
        Result keys = run("config", "keys");
        assertTrue(keys.out().contains("vardiff.initial"));
    }
}
