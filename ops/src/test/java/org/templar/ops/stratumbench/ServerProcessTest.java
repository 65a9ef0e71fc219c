package org.templar.ops.stratumbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Reading a pool's memory and CPU from /proc text, including the awkward cases of the format. */
class ServerProcessTest {

    @Test
    void rssIsTheVmRssLineInBytes() {
        String status = "Name:\tjava\nVmPeak:\t 9000000 kB\nVmRSS:\t  402340 kB\nRssAnon:\t 380000 kB\n";
        assertEquals(OptionalLong.of(402340L * 1024), ServerProcess.rssFromStatus(status));
        assertTrue(ServerProcess.rssFromStatus("Name:\tkthreadd\n").isEmpty(), "kernel threads have no VmRSS");
    }

    @Test
    void cpuIsUserPlusSystemTicks() {
        // a command name with spaces and parentheses: fields are counted after the last ')'
        String stat = "4242 (my (odd) pool) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 50 0 0 20 0 40 0 100 0 0";
        assertEquals(OptionalLong.of(300 * 10_000_000L), ServerProcess.cpuFromStat(stat));
        assertTrue(ServerProcess.cpuFromStat("garbage").isEmpty());
        assertTrue(ServerProcess.cpuFromStat("1 (x) S 1 2").isEmpty(), "too few fields");
    }

    @Test
    void fileLimitFromProcLimits() {
        String limits = "Limit                     Soft Limit           Hard Limit           Units     \n"
                + "Max processes             95000                95000                processes \n"
                + "Max open files            20000                20000                files     \n";
        assertEquals(20000, ServerProcess.fileLimitFromLimits(limits));
        assertEquals(Long.MAX_VALUE, ServerProcess.fileLimitFromLimits("Max open files  unlimited  unlimited  files\n"));
        assertEquals(-1, ServerProcess.fileLimitFromLimits(""));
    }

    @Test
    void readsThisProcess() {
        ServerProcess self = new ServerProcess(ProcessHandle.current().pid());
        assertTrue(self.rssBytes().orElseThrow() > 1 << 20, "a JVM holds more than a MiB");
        assertTrue(self.cpuNanos().orElseThrow() > 0);
        assertTrue(self.openFiles().orElseThrow() > 2);
        assertTrue(new ServerProcess(Long.MAX_VALUE).rssBytes().isEmpty(), "a process that is gone reads as empty");
    }
}
