package org.templar.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/**
 * `templar bench NAME`: the benchmarks. The `./templar` launcher runs them through their scripts
 * (which set heap, file limits and logging); this command is what `templar --help` lists and what runs
 * them from the packaged jar. The hashing benchmarks are JMH benchmarks built from the source tree, so
 * only the launcher can run those.
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
        String[] a = args.toArray(String[]::new);
        switch (name) {
            case "sv2" -> org.templar.pool.sv2.bench.Sv2TransportBench.main(a);
            case "shares" -> org.templar.ops.bench.ShareLoadBench.main(a);
            case "fanout" -> org.templar.ops.bench.FanoutBench.main(a);
            case "hash" -> {
                System.err.println("templar: the hashing benchmarks are JMH benchmarks built from the source tree: "
                        + "run ./templar bench hash in a checkout");
                return 2;
            }
            default -> {
                System.err.println("templar: no benchmark '" + name + "'; there are hash, sv2, shares and fanout");
                return 2;
            }
        }
        return 0;
    }
}
