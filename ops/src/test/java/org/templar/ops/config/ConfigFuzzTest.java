package org.templar.ops.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Fuzz target: a templar.toml as an operator might mistype it. Whatever the file says, loading it
 * either yields a configuration or a {@link ConfigException} (the message `templar run` and
 * `templar config check` print); never a parser's or a number's exception escaping to the user.
 */
class ConfigFuzzTest {

    private static final Path FILE;

    static {
        try {
            FILE = Files.createTempFile("templar-fuzz", ".toml");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void anyFile(byte[] toml) throws IOException {
        Files.write(FILE, toml);
        try {
            ConfigLoader.load(FILE, Map.of());
        } catch (ConfigException expected) {
            // a clear refusal naming the key, the value and what is expected
        }
    }
}
