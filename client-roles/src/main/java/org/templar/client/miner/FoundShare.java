package org.templar.client.miner;

import org.templar.share.Hex;

/**
 * A nonce a hashing thread found that meets the job's share target: everything mining.submit needs, plus
 * whether the hash also meets the network target (a block, once the pool accepts it).
 *
 * @param versionBits the rolled bits only (the 6th submit parameter), 0 when not rolling
 * @param hash header hash, internal byte order
 */
public record FoundShare(MinerJob job, byte[] extranonce2, int ntime, int nonce, int versionBits, byte[] hash,
        boolean meetsNetworkTarget) {

    /** The hash as block explorers and Bitcoin Core display it. */
    public String hashHex() {
        return Hex.encode(Hex.reverse(hash));
    }
}
