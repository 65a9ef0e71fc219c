package org.templar.ops;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.templar.share.audit.AuditReport;
import org.templar.share.audit.ShareLogVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `templar audit FILE`: re-verifies a recorded share log on all cores. Exit 0 when every share checks out. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Re-verify a share log (audit.share_log) by recomputing every share's hash; exit 1 on any mismatch.")
final class AuditCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the share log")
    Path log;

    @Option(names = "--threads", description = "verifying threads (default: all cores)")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        ShareLogVerifier verifier = threads == null ? new ShareLogVerifier() : new ShareLogVerifier(threads);
        AuditReport r = verifier.verify(log);
        System.out.printf("jobs %d, shares %d: %d verified, %d mismatched, %d malformed (%.1f s, %.0f shares/s)%n",
                r.jobs(), r.shares(), r.verified(), r.mismatched(), r.malformed(), r.elapsed().toNanos() / 1e9,
                r.sharesPerSecond());
        r.problems().forEach(System.out::println);
        return r.clean() ? 0 : 1;
    }
}
