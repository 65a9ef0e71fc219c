package org.templar.client.miner;

import java.util.List;
import java.util.Optional;
import org.templar.pool.sv1.codec.Sv1ClientCall;
import org.templar.pool.sv1.codec.Sv1Id;
import org.templar.pool.sv1.codec.Sv1Request;

/** The miner's requests, typed (the pool's {@code Sv1Encoder} writes them); stateless. */
final class MinerRequests {
    private MinerRequests() {}

    static Sv1Request configureVersionRolling(long id, int mask) {
        // min-bit-count is advisory only (BIP310): we can use any number of bits the pool grants.
        return new Sv1Request(Sv1Id.of(id), new Sv1ClientCall.Configure(List.of("version-rolling"), Optional.of(mask),
                Optional.of(2)));
    }

    /** mining.subscribe; a previous session id asks the pool to give us back the same extranonce1. */
    static Sv1Request subscribe(long id, String userAgent, Optional<String> resumeSessionId) {
        return new Sv1Request(Sv1Id.of(id), new Sv1ClientCall.Subscribe(Optional.of(userAgent), resumeSessionId));
    }

    static Sv1Request suggestDifficulty(long id, double difficulty) {
        return new Sv1Request(Sv1Id.of(id), new Sv1ClientCall.SuggestDifficulty(difficulty));
    }

    static Sv1Request authorize(long id, String user, String password) {
        return new Sv1Request(Sv1Id.of(id), new Sv1ClientCall.Authorize(user, password));
    }

    static Sv1Request extranonceSubscribe(long id) {
        return new Sv1Request(Sv1Id.of(id), new Sv1ClientCall.ExtranonceSubscribe());
    }

    /** mining.submit; the 6th parameter (rolled version bits) only when version rolling was negotiated. */
    static Sv1Request submit(long id, String user, FoundShare share, Optional<Integer> versionBits) {
        return new Sv1Request(Sv1Id.of(id), new Sv1ClientCall.Submit(user, share.job().jobId(), share.extranonce2(),
                share.ntime(), share.nonce(), versionBits));
    }
}
