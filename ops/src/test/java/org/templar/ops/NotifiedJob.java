package org.templar.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.templar.share.Difficulty;
import org.templar.share.Hex;
import org.templar.share.JobWork;
import org.templar.share.MerkleBranch;
import org.templar.share.ShareCheck;
import org.templar.share.ShareHasher;
import org.templar.share.Target;

/**
 * A mining.notify as a miner would read it, so tests can craft shares with known properties. Public
 * for the share load generator in src/bench/java.
 */
public final class NotifiedJob {
    public final String jobId;
    public final JobWork work;
    public final int version;
    public final int ntime;
    final byte[] extranonce1;
    final int branchSize;
    final String coinb1;
    final String coinb2;
    final String prevHashSv1;
    final boolean clean;

    public NotifiedJob(JsonNode notify, byte[] extranonce1, int extranonce2Size) {
        JsonNode p = notify.get("params");
        this.jobId = p.get(0).asText();
        byte[] swapped = Hex.decode(p.get(1).asText());
        byte[] prev = new byte[32];
        for (int w = 0; w < 8; w++) {
            for (int i = 0; i < 4; i++) {
                prev[4 * w + i] = swapped[4 * w + 3 - i];
            }
        }
        List<byte[]> branch = new ArrayList<>();
        p.get(4).forEach(b -> branch.add(Hex.decode(b.asText())));
        this.version = (int) Long.parseLong(p.get(5).asText(), 16);
        int nbits = (int) Long.parseLong(p.get(6).asText(), 16);
        this.ntime = (int) Long.parseLong(p.get(7).asText(), 16);
        this.extranonce1 = extranonce1;
        this.branchSize = branch.size();
        this.coinb1 = p.get(2).asText();
        this.coinb2 = p.get(3).asText();
        this.prevHashSv1 = p.get(1).asText();
        this.clean = p.get(8).asBoolean();
        this.work = JobWork.of(version, prev, nbits, Hex.decode(p.get(2).asText()), Hex.decode(p.get(3).asText()),
                MerkleBranch.of(branch), extranonce1.length + extranonce2Size);
    }

    /** A share found by searching nonces from {@code startNonce}. */
    record Found(int nonce, byte[] hash, boolean block) {}

    /**
     * Finds a nonce whose hash meets {@code shareTarget} (wantShare) or does not (otherwise), with the
     * given block-solving property (null: don't care).
     */
    Found find(byte[] extranonce2, int rolledVersion, Target shareTarget, boolean wantShare, Boolean wantBlock) {
        ShareHasher h = new ShareHasher();
        for (int nonce = 0; nonce < 200_000_000; nonce++) {
            ShareCheck c = h.check(work, extranonce1, extranonce2, ntime, nonce, rolledVersion);
            boolean block = c.meets(work.networkTarget());
            if (c.meets(shareTarget) == wantShare && (wantBlock == null || wantBlock == block)) {
                return new Found(nonce, c.hashCopy(), block);
            }
        }
        throw new AssertionError("no nonce found");
    }

    /**
     * The whole block for a solving share, as a miner's pool would assemble it: header, one
     * transaction, the coinbase in its txid form (the node adds the witness reserved value, as Core
     * does). Only for work without template transactions (an empty merkle branch).
     */
    String blockHex(byte[] extranonce2, int nonce, int rolledVersion) {
        if (branchSize != 0) {
            throw new IllegalStateException("the job carries transactions the test does not have");
        }
        ShareCheck c = new ShareHasher().check(work, extranonce1, extranonce2, ntime, nonce, rolledVersion);
        byte[] header = work.header(c.merkleRootCopy(), ntime, nonce, rolledVersion);
        return Hex.encode(header) + "01" + Hex.encode(work.coinbase(extranonce1, extranonce2));
    }

    static Target targetOf(double difficulty) {
        return Difficulty.of(difficulty).toTarget();
    }

    String submitParams(String worker, byte[] extranonce2, int nonce, Integer versionBits) {
        return submitParams(jobId, worker, extranonce2, nonce, versionBits);
    }

    /** This job's share (its ntime included) submitted under another job id. */
    String submitParams(String underJobId, String worker, byte[] extranonce2, int nonce, Integer versionBits) {
        return "[\"" + worker + "\",\"" + underJobId + "\",\"" + Hex.encode(extranonce2) + "\",\"" + String.format("%08x", ntime)
                + "\",\"" + String.format("%08x", nonce) + "\"" + (versionBits == null ? "" : ",\"" + String.format("%08x", versionBits) + "\"")
                + "]";
    }
}
