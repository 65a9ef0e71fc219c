package org.templar.ops;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.templar.ops.config.ConfigException;
import org.templar.ops.config.ConfigLoader;
import org.templar.ops.config.TemplarConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `templar config check FILE` and `templar config keys`. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Check a configuration file or list its keys.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Keys.class})
final class ConfigCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        new picocli.CommandLine(this).usage(System.out);
        return 0;
    }

    @Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a templar.toml; exit 0 if it would start, 2 if not.")
    static final class Check implements Callable<Integer> {
        @Parameters(index = "0", description = "the file")
        Path file;

        @picocli.CommandLine.Option(names = "--json", description = "print {\"ok\": ..., \"problems\": [...]} as JSON")
        boolean json;

        @Override
        public Integer call() {
            try {
                TemplarConfig c = ConfigLoader.load(file, Map.of());
                if (json) {
                    var o = AdminApi.JSON.createObjectNode().put("file", file.toString()).put("ok", true);
                    o.putArray("problems");
                    System.out.println(o.toPrettyString());
                    return 0;
                }
                System.out.println(file + ": OK");
                System.out.println("  network " + c.network() + ", payout mode " + c.pool().mode().ledgerName()
                        + c.pool().payoutAddress().map(a -> " to " + a).orElse(""));
                System.out.println("  node: " + (c.nodes().embedded() ? "embedded regtest node" : c.nodes().endpoints().toString()));
                System.out.println("  sv1 " + (c.sv1().enabled() ? c.sv1().address() : "off") + ", sv2 "
                        + (c.sv2().enabled() ? c.sv2().address() : "off"));
                System.out.println("  vardiff " + c.vardiff());
                return 0;
            } catch (ConfigException e) {
                if (json) {
                    var o = AdminApi.JSON.createObjectNode().put("file", file.toString()).put("ok", false);
                    e.problems().forEach(o.putArray("problems")::add);
                    System.out.println(o.toPrettyString());
                    return 2;
                }
                // every problem, one a line, so all can be fixed in one go
                for (String problem : e.problems()) {
                    System.err.println(file + ": " + problem);
                }
                return 2;
            }
        }
    }

    @Command(name = "keys", mixinStandardHelpOptions = true, description = "List every configuration key with its meaning and default.")
    static final class Keys implements Callable<Integer> {
        @picocli.CommandLine.Option(names = "--json", description = "print {key: meaning} as JSON")
        boolean json;

        @Override
        public Integer call() {
            if (json) {
                System.out.println(AdminApi.JSON.valueToTree(ConfigLoader.KEYS).toPrettyString());
                return 0;
            }
            ConfigLoader.KEYS.forEach((k, v) -> System.out.printf("%-28s %s%n", k, v));
            return 0;
        }
    }
}
