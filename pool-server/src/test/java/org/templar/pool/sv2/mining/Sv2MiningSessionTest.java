package org.templar.pool.sv2.mining;

import org.templar.pool.sv2.session.Sv2Output;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.ExtranonceAllocator;
import org.templar.pool.core.PayoutMode;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.PoolMetrics;
import org.templar.pool.core.VardiffSettings;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;

/**
 * The session state machine on its own (no sockets, no node): connection setup and the answers that
 * need no job. Shares and jobs are covered end to end in the ops module (Sv2MiningTest, Sv2ChannelsTest).
 */
@Timeout(10)
class Sv2MiningSessionTest {
    /** Records what the session sends; runs deferred tasks inline. */
    static final class Recorder implements Sv2Output {
        final List<Sv2Message> sent = new ArrayList<>();
        String closedBecause;

        @Override
        public void send(Sv2Message message) {
            sent.add(message);
        }

        @Override
        public void close(String reason) {
            closedBecause = reason;
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        <T> T only(Class<T> type) {
            assertEquals(1, sent.size(), "exactly one message: " + sent);
            return type.cast(sent.get(0));
        }
    }

    private final ExtranonceAllocator extranonces = new ExtranonceAllocator();

    private PoolContext pool(int versionMask) {
        // no template yet: the node has not answered (shares need a job, so no ShareProcessor either)
        return new PoolContext(new Authorizer(BitcoinNetwork.REGTEST, PayoutMode.SOLO, Optional.empty()), extranonces,
                null, () -> null, VardiffSettings.regtest(), versionMask, PoolMetrics.NONE,
                new org.templar.pool.core.BanList());
    }

    private static Sv2Common.SetupConnection setup(int protocol, int min, int max, long flags) {
        return new Sv2Common.SetupConnection(protocol, min, max, flags, Str0255.of("pool"), 3336, Str0255.of("v"),
                Str0255.EMPTY, Str0255.EMPTY, Str0255.EMPTY);
    }

    private static final U256 ANY = U256.of(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1});

    private Sv2MiningSession session(Recorder out, int versionMask) {
        return new Sv2MiningSession(pool(versionMask), Sv2MiningSettings.defaults(), out, "test-1");
    }

    @Test
    void anyMessageBeforeSetupClosesWithoutAnswer() {
        Recorder out = new Recorder();
        Sv2MiningSession s = session(out, 0x1fffe000);
        s.onMessage(new Sv2Mining.OpenStandardMiningChannel(1, Str0255.of("x"), 0f, ANY));
        assertNotNull(out.closedBecause);
        assertTrue(out.sent.isEmpty());
        s.onMessage(setup(0, 2, 2, 0));
        assertTrue(out.sent.isEmpty(), "nothing after close");
    }

    @Test
    void setupSucceedsAndSecondSetupCloses() {
        Recorder out = new Recorder();
        Sv2MiningSession s = session(out, 0x1fffe000);
        s.onMessage(setup(0, 1, 5, Sv2Common.SetupConnection.REQUIRES_VERSION_ROLLING
                | Sv2Common.SetupConnection.REQUIRES_STANDARD_JOBS));
        Sv2Common.SetupConnectionSuccess ok = out.only(Sv2Common.SetupConnectionSuccess.class);
        assertEquals(2, ok.usedVersion());
        assertEquals(0, ok.flags());
        assertTrue(s.isSetUp());
        s.onMessage(setup(0, 2, 2, 0));
        assertNotNull(out.closedBecause);
    }

    @Test
    void errorListsExactlyTheUnsupportedFlags() {
        Recorder out = new Recorder();
        session(out, 0x1fffe000).onMessage(setup(0, 2, 2, 0xffffffffL));
        Sv2Common.SetupConnectionError e = out.only(Sv2Common.SetupConnectionError.class);
        assertEquals("unsupported-feature-flags", e.errorCode().text());
        assertEquals(0xffffffffL & ~0b101L, e.flags(), "all but REQUIRES_STANDARD_JOBS and REQUIRES_VERSION_ROLLING");
        assertNotNull(out.closedBecause);
    }

    @Test
    void withoutVersionRollingThePoolRequiresFixedVersion() {
        Recorder out = new Recorder();
        session(out, 0).onMessage(setup(0, 2, 2, 0));
        assertEquals(Sv2Common.SetupConnectionSuccess.REQUIRES_FIXED_VERSION,
                out.only(Sv2Common.SetupConnectionSuccess.class).flags());

        Recorder out2 = new Recorder();
        session(out2, 0).onMessage(setup(0, 2, 2, Sv2Common.SetupConnection.REQUIRES_VERSION_ROLLING));
        Sv2Common.SetupConnectionError e = out2.only(Sv2Common.SetupConnectionError.class);
        assertEquals(Sv2Common.SetupConnection.REQUIRES_VERSION_ROLLING, e.flags());
    }

    @Test
    void otherProtocolsAndVersionsAreRefused() {
        Recorder out = new Recorder();
        session(out, 0x1fffe000).onMessage(setup(Sv2Common.SetupConnection.PROTOCOL_JOB_DECLARATION, 2, 2, 0));
        assertEquals("unsupported-protocol", out.only(Sv2Common.SetupConnectionError.class).errorCode().text());
        assertEquals(0, out.only(Sv2Common.SetupConnectionError.class).flags());
        Recorder out2 = new Recorder();
        session(out2, 0x1fffe000).onMessage(setup(0, 1, 1, 0));
        assertEquals("protocol-version-mismatch", out2.only(Sv2Common.SetupConnectionError.class).errorCode().text());
    }

    @Test
    void channelAnswersThatNeedNoJob() {
        Recorder out = new Recorder();
        Sv2MiningSession s = session(out, 0x1fffe000);
        s.onMessage(setup(0, 2, 2, 0));
        out.sent.clear();
        s.onMessage(new Sv2Mining.OpenStandardMiningChannel(9, Str0255.of("bcrt1qnotanaddress"), 0f, ANY));
        assertEquals("unknown-user", out.only(Sv2Mining.OpenMiningChannelError.class).errorCode().text());
        out.sent.clear();
        s.onMessage(new Sv2Mining.OpenExtendedMiningChannel(10, Str0255.of("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"),
                0f, ANY, 4));
        Sv2Mining.OpenMiningChannelError noWork = out.only(Sv2Mining.OpenMiningChannelError.class);
        assertEquals(10, noWork.requestId());
        assertEquals("no-work-available", noWork.errorCode().text());
        assertEquals(0, extranonces.liveCount(), "a refused channel holds no extranonce prefix");
        out.sent.clear();
        s.onMessage(new Sv2Mining.UpdateChannel(77, 1e6f, ANY));
        assertEquals("invalid-channel-id", out.only(Sv2Mining.UpdateChannelError.class).errorCode().text());
        out.sent.clear();
        s.onMessage(new Sv2Mining.SubmitSharesExtended(77, 5, 1, 0, 0, 0, Bytes.EMPTY));
        Sv2Mining.SubmitSharesError e = out.only(Sv2Mining.SubmitSharesError.class);
        assertEquals(5, e.sequenceNumber());
        assertEquals("invalid-channel-id", e.errorCode().text());
        out.sent.clear();
        s.onMessage(new Sv2Mining.SetCustomMiningJob(3, 44, Bytes.of(1, 2, 3), 0x20000000L, U256.ZERO, 0, 0x207fffffL, 2,
                Bytes.EMPTY, 0xffffffffL, Bytes.of(0), 0, List.of()));
        Sv2Mining.SetCustomMiningJobError custom = out.only(Sv2Mining.SetCustomMiningJobError.class);
        assertEquals(44, custom.requestId());
        assertEquals("invalid-mining-job-token", custom.errorCode().text());
        assertEquals(null, out.closedBecause, "refused, not disconnected");
        out.sent.clear();
        s.reconnect("", 0);
        Sv2Common.Reconnect r = out.only(Sv2Common.Reconnect.class);
        assertEquals("", r.newHost().text());
        assertEquals(0, r.newPort());
    }

    @Test
    void anExtendedChannelWantingMoreExtranonceThanTheSettingsAllowIsRefused() {
        Recorder out = new Recorder();
        // behind `templar proxy`: its own pool channel lets it roll 8 bytes, 4 of them the prefix it gives out
        Sv2MiningSession s = new Sv2MiningSession(pool(0x1fffe000), Sv2MiningSettings.defaults().withMaxExtranonceSize(8),
                out, "test-1");
        s.onMessage(setup(0, 2, 2, 0));
        out.sent.clear();
        String user = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
        s.onMessage(new Sv2Mining.OpenExtendedMiningChannel(11, Str0255.of(user), 0f, ANY, 5));
        Sv2Mining.OpenMiningChannelError e = out.only(Sv2Mining.OpenMiningChannelError.class);
        assertEquals(11, e.requestId());
        assertEquals("min-extranonce-size-too-large", e.errorCode().text());
        out.sent.clear();
        s.onMessage(new Sv2Mining.OpenExtendedMiningChannel(12, Str0255.of(user), 0f, ANY, 4));
        assertEquals("no-work-available", out.only(Sv2Mining.OpenMiningChannelError.class).errorCode().text(),
                "4 bytes fit: refused only for want of a template here");
        assertEquals(null, out.closedBecause, "refused, not disconnected");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Sv2MiningSettings.defaults().withMaxExtranonceSize(7), "a standard channel needs 8");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Sv2MiningSettings.defaults().withMaxExtranonceSize(33));
    }
}
