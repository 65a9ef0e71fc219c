package org.templar.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.templar.ops.stratumbench.StratumBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/**
 * `templar bench NAME`: the benchmarks. Most are not production code: each lives in its module's
 * bench source set (docs/ARCHITECTURE.md), built and run from a source checkout by the `./templar`
 * launcher's scripts, which also set heap, file limits and logging; run from the packaged jar this
 * command says where they are. The exception is `stratum`, a load generator for any Stratum V1 pool,
 * which ships in the jar so it can be pointed at other pools too.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks (numbers and method: docs/BENCHMARKS.md):",
            "  hash    hashing core (JMH; from a source checkout: ./templar bench hash)",
            "  sv2     SV2 handshakes and encrypted share submissions per second",
            "  shares  accepted (durable) shares per second through the whole SV1 path [--connections N --window W --seconds S]",
            "  fanout  new-block notify latency to N miners [--connections N --rounds R --distinct]",
            "  stratum SV1 load generator for any pool: connect|notify|submit --url stratum+tcp://HOST:PORT [...]"})
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "hash | sv2 | shares | fanout | jds | stratum")
    String name;

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (name.equals("stratum")) {
            return StratumBench.main(args.toArray(String[]::new), System.out, System.err);
        }
        if (!List.of("hash", "sv2", "shares", "fanout", "jds").contains(name)) {
            System.err.println("templar: no benchmark '" + name + "'; there are hash, sv2, shares, fanout, jds and stratum");
            return 2;
        }
        System.err.println("templar: benchmarks are built from the source tree, not shipped in the jar: run ./templar bench "
                + name + (args.isEmpty() ? "" : " " + String.join(" ", args)) + " in a checkout");
        return 2;
    }
}
