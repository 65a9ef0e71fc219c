package org.templar.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/**
 * `templar bench NAME`: the benchmarks. They are not production code: each lives in its module's
 * bench source set (docs/ARCHITECTURE.md), built and run from a source checkout by the `./templar`
 * launcher's scripts, which also set heap, file limits and logging. This command is what `templar
 * --help` lists; run from the packaged jar it says where the benchmarks are.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks (numbers and method: docs/BENCHMARKS.md):",
            "  hash    hashing core (JMH; from a source checkout: ./templar bench hash)",
            "  sv2     SV2 handshakes and encrypted share submissions per second",
            "  shares  accepted (durable) shares per second through the whole SV1 path [--connections N --window W --seconds S]",
            "  fanout  new-block notify latency to N miners [--connections N --rounds R --distinct]"})
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "hash | sv2 | shares | fanout")
    String name;

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (!List.of("hash", "sv2", "shares", "fanout").contains(name)) {
            System.err.println("templar: no benchmark '" + name + "'; there are hash, sv2, shares and fanout");
            return 2;
        }
        System.err.println("templar: benchmarks are built from the source tree, not shipped in the jar: run ./templar bench "
                + name + (args.isEmpty() ? "" : " " + String.join(" ", args)) + " in a checkout");
        return 2;
    }
}
