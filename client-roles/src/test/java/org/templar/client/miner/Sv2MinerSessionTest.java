package org.templar.client.miner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;

/** The SV2 session state machine alone: typed messages in, messages and jobs out, no sockets and no threads. */
class Sv2MinerSessionTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final String KEY = "9bqhtxyEpC9RJTcxerTJNGF5kLyTTSyLfYTpPrKtrnEhjb1d893";
    private static final long CH = 42;

    private final List<Sv2Message> sent = new ArrayList<>();
    private final List<MinerJob> published = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private final MinerCounters counters = new MinerCounters();
    private final TestJob job = TestJob.build("t", 0x1d00ffff, "/unit/");

    private final Sv2MinerSession.Link link = new Sv2MinerSession.Link() {
        @Override
        public void send(Sv2Message message) {
            sent.add(message);
        }

        @Override
        public void reconnect(Optional<String> host, OptionalInt port, Duration wait) {
            events.add("reconnect " + host.orElse("-") + ":" + (port.isPresent() ? port.getAsInt() : -1));
        }

        @Override
        public void fatal(String reason) {
            events.add("fatal " + reason);
        }

        @Override
        public void established() {
            events.add("established");
        }

        @Override
        public void shareAnswered() {
            events.add("answered");
            onAnswered.run();
        }
    };
    private Runnable onAnswered = () -> { };

    private Sv2MinerSession session(ChannelType type, boolean rolling) {
        MinerConfig cfg = MinerConfig.of("stratum2+tcp://127.0.0.1:3336/" + KEY, "worker.1").withThreads(1)
                .withVersionRolling(rolling).withChannelType(type);
        return new Sv2MinerSession(cfg, "127.0.0.1", 3336, link, published::add, counters, new AtomicLong());
    }

    private Sv2MinerSession openExtended(byte[] prefix) {
        Sv2MinerSession s = session(ChannelType.EXTENDED, true);
        s.start();
        s.onMessage(new Sv2Common.SetupConnectionSuccess(2, 0));
        long req = ((Sv2Mining.OpenExtendedMiningChannel) sent.get(1)).requestId();
        s.onMessage(new Sv2Mining.OpenExtendedMiningChannelSuccess(req, CH, Sv2ScriptedPool.u256(TestJob.shareTarget(1)),
                8 - prefix.length, Bytes.of(prefix), 0));
        return s;
    }

    private Sv2Mining.NewExtendedMiningJob extendedJob(long id, OptionalLong minNtime, boolean rollingAllowed) {
        List<U256> path = new ArrayList<>();
        job.branch().forEach(b -> path.add(U256.of(b)));
        return new Sv2Mining.NewExtendedMiningJob(CH, id, minNtime, job.version(), rollingAllowed, path,
                Bytes.of(job.coinb1()), Bytes.of(job.coinb2()));
    }

    private Sv2Mining.SetNewPrevHash prevHash(long jobId) {
        return new Sv2Mining.SetNewPrevHash(CH, jobId, U256.of(Sv2ScriptedPool.internalPrevHash(job)), 1_700_000_123L,
                job.nbits());
    }

    private FoundShare share(MinerJob j, boolean block) {
        return new FoundShare(j, new byte[j.extranonce2Size()], j.ntime(), 7, 0, new byte[32], block);
    }

    @Test
    void setupThenOpenTheConfiguredChannelWithTheSpecFlags() {
        Sv2MinerSession std = session(ChannelType.STANDARD, true);
        std.start();
        Sv2Common.SetupConnection setup = (Sv2Common.SetupConnection) sent.get(0);
        assertEquals(0, setup.protocol());
        assertEquals(2, setup.minVersion());
        assertEquals(2, setup.maxVersion());
        assertEquals(Sv2Common.SetupConnection.REQUIRES_STANDARD_JOBS | Sv2Common.SetupConnection.REQUIRES_VERSION_ROLLING,
                setup.flags());
        assertEquals("127.0.0.1", setup.endpointHost().text());
        assertEquals(3336, setup.endpointPort());
        assertEquals(1, sent.size(), "nothing else before SetupConnection.Success");
        std.onMessage(new Sv2Common.SetupConnectionSuccess(2, 0));
        Sv2Mining.OpenStandardMiningChannel open = (Sv2Mining.OpenStandardMiningChannel) sent.get(1);
        assertEquals("worker.1", open.userIdentity().text());
        assertTrue(open.nominalHashRate() > 0);

        sent.clear();
        session(ChannelType.EXTENDED, true).start();
        assertEquals(0, ((Sv2Common.SetupConnection) sent.get(0)).flags(), "extended: no flag required");
        sent.clear();
        session(ChannelType.STANDARD, false).start();
        assertEquals(Sv2Common.SetupConnection.REQUIRES_STANDARD_JOBS, ((Sv2Common.SetupConnection) sent.get(0)).flags());
    }

    @Test
    void refusalsStopTheMinerWithTheReason() {
        Sv2MinerSession a = session(ChannelType.STANDARD, true);
        a.start();
        a.onMessage(new Sv2Common.SetupConnectionError(Sv2Common.SetupConnection.REQUIRES_VERSION_ROLLING,
                Str0255.of("unsupported-feature-flags")));
        assertTrue(events.get(0).startsWith("fatal pool refused SetupConnection: unsupported-feature-flags"), events.get(0));
        assertTrue(events.get(0).contains("--no-version-rolling"));

        events.clear();
        Sv2MinerSession b = session(ChannelType.STANDARD, true);
        b.start();
        b.onMessage(new Sv2Common.SetupConnectionSuccess(2,
                Sv2Common.SetupConnectionSuccess.REQUIRES_EXTENDED_CHANNELS));
        assertEquals(List.of("fatal pool accepts only extended channels; mine with --channel extended"), events);

        events.clear();
        sent.clear();
        Sv2MinerSession c = session(ChannelType.EXTENDED, true);
        c.start();
        c.onMessage(new Sv2Common.SetupConnectionSuccess(2, 0));
        long req = ((Sv2Mining.OpenExtendedMiningChannel) sent.get(1)).requestId();
        c.onMessage(new Sv2Mining.OpenMiningChannelError(req + 1, Str0255.of("not-ours")));
        assertTrue(events.isEmpty(), "an error for another request id is not ours");
        c.onMessage(new Sv2Mining.OpenMiningChannelError(req, Str0255.of("unknown-user")));
        assertEquals(List.of("fatal pool refused to open the extended channel for 'worker.1': unknown-user"), events);
    }

    @Test
    void futureJobWaitsForItsPrevHashWhichCancelsEverythingElse() {
        Sv2MinerSession s = openExtended(HEX.parseHex("aabbccdd"));
        assertEquals(List.of("established"), events);
        s.onMessage(extendedJob(5, OptionalLong.empty(), true));
        s.onMessage(extendedJob(6, OptionalLong.empty(), true));
        assertTrue(published.isEmpty(), "future jobs are not mined before SetNewPrevHash");
        s.onMessage(prevHash(6));
        assertEquals(1, published.size());
        MinerJob j6 = published.get(0);
        assertEquals("6", j6.jobId());
        assertEquals(1_700_000_123, j6.ntime(), "ntime from SetNewPrevHash");
        assertArrayEquals(HEX.parseHex("aabbccdd"), j6.extranonce1Bytes());
        assertEquals(4, j6.extranonce2Size());
        assertEquals(MinerConfig.BIP320_MASK, j6.versionMask());
        assertArrayEquals(Sv2ScriptedPool.internalPrevHash(job), j6.work().prevHashBytes());
        // The same coinbase and branch the pool sent: merkle root for a given extranonce as bitcoinj computes it.
        byte[] en = HEX.parseHex("aabbccdd01020304");
        assertArrayEquals(Sv2ScriptedPool.merkleRoot(job, en), new org.templar.share.ShareHasher()
                .check(j6.work(), HEX.parseHex("aabbccdd"), HEX.parseHex("01020304"), 0, 0, 0).merkleRootCopy());

        // A job with min_ntime is mined at once on the current tip; job 5 died with SetNewPrevHash.
        s.onMessage(extendedJob(7, OptionalLong.of(1_700_000_200L), false));
        assertEquals("7", published.get(1).jobId());
        assertEquals(0, published.get(1).versionMask(), "version_rolling_allowed=false");
        s.onMessage(prevHash(5));
        assertNull(published.get(2), "SetNewPrevHash for a cancelled future job: stop hashing");

        s.onShareFound(share(j6, false));
        assertTrue(sent.stream().noneMatch(m -> m instanceof Sv2Mining.SubmitSharesExtended),
                "a share for a job the new tip cancelled is never sent");
        assertEquals(1, counters.snapshot(0, 0, 1, Duration.ZERO).discarded());
    }

    @Test
    void setTargetAndExtranoncePrefixApplyToLaterJobsOnly() {
        Sv2MinerSession s = openExtended(HEX.parseHex("aabbccdd"));
        s.onMessage(extendedJob(1, OptionalLong.empty(), true));
        BigInteger harder = TestJob.shareTarget(4);
        s.onMessage(new Sv2Mining.SetTarget(CH, Sv2ScriptedPool.u256(harder)));
        s.onMessage(new Sv2Mining.SetExtranoncePrefix(CH, Bytes.of(HEX.parseHex("01020304"))));
        s.onMessage(prevHash(1));
        MinerJob j1 = published.get(0);
        assertEquals(harder, j1.shareTarget().toBigInteger(), "SetTarget applies to a future job not yet active");
        assertArrayEquals(HEX.parseHex("aabbccdd"), j1.extranonce1Bytes(), "prefix in force when the job was sent");
        s.onMessage(extendedJob(2, OptionalLong.of(1_700_000_200L), true));
        assertArrayEquals(HEX.parseHex("01020304"), published.get(1).extranonce1Bytes());
    }

    @Test
    void submitsCarrySequenceNumbersAndBatchedSuccessAcceptsAllUpToTheLast() {
        Sv2MinerSession s = openExtended(HEX.parseHex("aabbccdd"));
        s.onMessage(extendedJob(1, OptionalLong.empty(), true));
        s.onMessage(prevHash(1));
        MinerJob j = published.get(0);
        for (int i = 0; i < 4; i++) {
            s.onShareFound(share(j, i == 1));
        }
        List<Sv2Mining.SubmitSharesExtended> submits = sent.stream()
                .filter(m -> m instanceof Sv2Mining.SubmitSharesExtended).map(m -> (Sv2Mining.SubmitSharesExtended) m)
                .toList();
        assertEquals(List.of(0L, 1L, 2L, 3L), submits.stream().map(Sv2Mining.SubmitSharesExtended::sequenceNumber).toList());
        assertEquals(CH, submits.get(0).channelId());
        assertEquals(1, submits.get(0).jobId());
        assertEquals(j.work().version() & 0xffffffffL, submits.get(0).version(), "full nVersion, no rolled bits here");
        assertEquals(4, submits.get(0).extranonce().length());

        s.onMessage(new Sv2Mining.SubmitSharesError(CH, 2, Str0255.of("stale-share")));
        s.onMessage(new Sv2Mining.SubmitSharesSuccess(CH, 3, 3, 3));
        MinerStats st = counters.snapshot(0, 0, 1, Duration.ZERO);
        assertEquals(3, st.accepted());
        assertEquals(1, st.blocks(), "share #1 met the network target and was acknowledged");
        assertEquals(Map.of(21, 1L), st.rejectedByCode());
        s.onMessage(new Sv2Mining.SubmitSharesSuccess(CH, 3, 1, 1));
        assertEquals(3, counters.snapshot(0, 0, 1, Duration.ZERO).accepted(), "an ack repeated is not counted twice");
        s.onMessage(new Sv2Mining.SubmitSharesSuccess(CH + 1, 9, 1, 1));
        assertEquals(3, counters.snapshot(0, 0, 1, Duration.ZERO).accepted(), "another channel's ack is not ours");
    }

    @Test
    void aMinerStoppingOnAnAcknowledgedBlockEndsTheBatchQuietly() {
        Sv2MinerSession s = openExtended(HEX.parseHex("aabbccdd"));
        s.onMessage(extendedJob(1, OptionalLong.empty(), true));
        s.onMessage(prevHash(1));
        MinerJob j = published.get(0);
        for (int i = 0; i < 3; i++) {
            s.onShareFound(share(j, true));
        }
        onAnswered = s::stop; // `templar mine --blocks 1`: the connection is closed at the first answer, inline
        s.onMessage(new Sv2Mining.SubmitSharesSuccess(CH, 2, 3, 3));
        assertEquals(1, counters.snapshot(0, 0, 1, Duration.ZERO).blocks(), "counted up to the stop, no further");
    }

    @Test
    void standardChannelMinesTheRootThePoolSentAndSubmitsStandard() {
        Sv2MinerSession s = session(ChannelType.STANDARD, true);
        s.start();
        s.onMessage(new Sv2Common.SetupConnectionSuccess(2, Sv2Common.SetupConnectionSuccess.REQUIRES_FIXED_VERSION));
        long req = ((Sv2Mining.OpenStandardMiningChannel) sent.get(1)).requestId();
        s.onMessage(new Sv2Mining.OpenStandardMiningChannelSuccess(req, CH, Sv2ScriptedPool.u256(TestJob.shareTarget(1)),
                Bytes.of(new byte[8]), 0));
        byte[] root = Sv2ScriptedPool.merkleRoot(job, new byte[8]);
        s.onMessage(new Sv2Mining.NewMiningJob(CH, 3, OptionalLong.empty(), job.version(), U256.of(root)));
        s.onMessage(prevHash(3));
        MinerJob j = published.get(0);
        assertTrue(j.headerOnly());
        assertArrayEquals(root, j.fixedMerkleRoot());
        assertEquals(0, j.versionMask(), "REQUIRES_FIXED_VERSION: never roll");
        s.onShareFound(share(j, false));
        Sv2Mining.SubmitSharesStandard sub = (Sv2Mining.SubmitSharesStandard) sent.get(sent.size() - 1);
        assertEquals(3, sub.jobId());
        assertEquals(7, sub.nonce());
        assertEquals(1_700_000_123L, sub.ntime());
    }

    @Test
    void reconnectAndChannelClosure() {
        Sv2MinerSession s = openExtended(HEX.parseHex("aabbccdd"));
        s.onMessage(new Sv2Common.Reconnect(Str0255.EMPTY, 0));
        s.onMessage(new Sv2Common.Reconnect(Str0255.of("pool2.example"), 3337));
        assertEquals(List.of("established", "reconnect -:-1", "reconnect pool2.example:3337"), events);
        s.onMessage(extendedJob(1, OptionalLong.empty(), true));
        s.onMessage(prevHash(1));
        int before = sent.size();
        s.onMessage(new Sv2Mining.CloseChannel(CH, Str0255.of("maintenance")));
        assertTrue(sent.get(before) instanceof Sv2Mining.OpenExtendedMiningChannel, "a closed channel is reopened");
        s.onShareFound(share(published.get(0), false));
        assertEquals(before + 1, sent.size(), "no submit while the channel is reopening");
    }

    @Test
    void measuredHashrateCorrectsTheAnnouncedOneOnlyWhenFarOff() {
        Sv2MinerSession s = openExtended(HEX.parseHex("aabbccdd"));
        float announced = ((Sv2Mining.OpenExtendedMiningChannel) sent.get(1)).nominalHashRate();
        int before = sent.size();
        s.hashrateMeasured(announced * 1.2);
        assertEquals(before, sent.size(), "within the noise: nothing sent");
        s.hashrateMeasured(50e6);
        Sv2Mining.UpdateChannel u = (Sv2Mining.UpdateChannel) sent.get(before);
        assertEquals(CH, u.channelId());
        assertEquals(50e6f, u.nominalHashRate());
        s.hashrateMeasured(55e6);
        assertEquals(before + 1, sent.size(), "compared with what was last announced");

        sent.clear();
        Sv2MinerSession again = session(ChannelType.STANDARD, true);
        again.hashrateMeasured(3e6); // a reconnect: the miner already knows its rate
        again.start();
        again.onMessage(new Sv2Common.SetupConnectionSuccess(2, 0));
        assertEquals(3e6f, ((Sv2Mining.OpenStandardMiningChannel) sent.get(1)).nominalHashRate());
    }
}
