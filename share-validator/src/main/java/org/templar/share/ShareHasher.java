package org.templar.share;

import java.security.DigestException;
import java.security.MessageDigest;

/**
 * Hashes shares: splices the miner's extranonce/ntime/nonce/version into the job's precomputed parts
 * and computes the header's SHA-256d. Not thread-safe: one per event loop (or per thread); it owns
 * its digest and buffers so that, once warm, a share allocates nothing.
 */
public final class ShareHasher {
    private final MessageDigest sha = Sha256.newDigest();
    private final byte[] header = new byte[BlockHeader.SIZE];
    private final byte[] node = new byte[64];
    private final byte[] scratch = new byte[32];
    private final ShareCheck out = new ShareCheck();

    /**
     * Hashes a share on a coinbase-building job (Stratum V1, SV2 extended channels).
     *
     * @param extranonce1 the connection's (or channel's) extranonce prefix
     * @param extranonce2 the miner-chosen part; {@code extranonce1.length + extranonce2.length} must
     *     equal {@link JobWork#extranonceSize()}
     * @param version the full rolled nVersion to put in the header
     */
    public ShareCheck check(JobWork job, byte[] extranonce1, byte[] extranonce2, int ntime, int nonce, int version) {
        if (extranonce1.length + extranonce2.length != job.extranonceSize()) {
            throw new IllegalArgumentException("extranonce is " + (extranonce1.length + extranonce2.length)
                    + " bytes, the job expects " + job.extranonceSize());
        }
        try {
            // coinbase txid into node[0..32)
            sha.update(job.coinbasePrefixBytes());
            sha.update(extranonce1);
            sha.update(extranonce2);
            sha.update(job.coinbaseSuffixBytes());
            sha.digest(scratch, 0, 32);
            sha.update(scratch, 0, 32);
            sha.digest(node, 0, 32);
            MerkleBranch branch = job.branch();
            for (int i = 0; i < branch.size(); i++) {
                System.arraycopy(branch.step(i), 0, node, 32, 32);
                sha.update(node, 0, 64);
                sha.digest(scratch, 0, 32);
                sha.update(scratch, 0, 32);
                sha.digest(node, 0, 32);
            }
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        return hashHeader(job, node, ntime, nonce, version);
    }

    /** Hashes a header-only share (SV2 standard channels): the merkle root is the channel's own. */
    public ShareCheck checkHeader(JobWork job, byte[] merkleRoot, int ntime, int nonce, int version) {
        return hashHeader(job, merkleRoot, ntime, nonce, version);
    }

    private ShareCheck hashHeader(JobWork job, byte[] merkleRoot, int ntime, int nonce, int version) {
        BlockHeader.writeIntLe(header, 0, version);
        System.arraycopy(job.prevHashBytes(), 0, header, 4, 32);
        System.arraycopy(merkleRoot, 0, header, 36, 32);
        BlockHeader.writeIntLe(header, 68, ntime);
        BlockHeader.writeIntLe(header, 72, job.nbits());
        BlockHeader.writeIntLe(header, 76, nonce);
        try {
            sha.update(header, 0, BlockHeader.SIZE);
            sha.digest(scratch, 0, 32);
            sha.update(scratch, 0, 32);
            sha.digest(out.hash, 0, 32);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        System.arraycopy(merkleRoot, 0, out.merkleRoot, 0, 32);
        out.version = version;
        out.ntime = ntime;
        out.nonce = nonce;
        return out;
    }
}
