package org.templar.pool.core;

import java.util.function.Supplier;
import org.templar.pool.job.Template;

/**
 * The pool services every protocol session uses: one instance per running pool, shared by all
 * connections of every protocol (the same jobs, validation, ledger and vardiff rules for SV1 and SV2).
 *
 * @param currentTemplate the latest template (null until the node answered once)
 * @param versionMask the version bits the pool lets miners roll (BIP320 0x1fffe000 by default)
 * @param bans addresses refused at connect (operator's bans), shared by every listener
 */
public final class PoolContext {
    private final Authorizer authorizer;
    private final ExtranonceAllocator extranonces;
    private final ShareProcessor shares;
    private final Supplier<Template> currentTemplate;
    private volatile VardiffSettings vardiff;
    private final int versionMask;
    private final PoolMetrics metrics;
    private final BanList bans;
    private final ConnectionPolicy policy;

    public PoolContext(Authorizer authorizer, ExtranonceAllocator extranonces, ShareProcessor shares,
            Supplier<Template> currentTemplate, VardiffSettings vardiff, int versionMask, PoolMetrics metrics, BanList bans) {
        this(authorizer, extranonces, shares, currentTemplate, vardiff, versionMask, metrics, bans,
                ConnectionPolicy.permissive(bans, metrics));
    }

    /** @param policy connection caps, automatic bans and the operators' log, shared by every listener */
    public PoolContext(Authorizer authorizer, ExtranonceAllocator extranonces, ShareProcessor shares,
            Supplier<Template> currentTemplate, VardiffSettings vardiff, int versionMask, PoolMetrics metrics, BanList bans,
            ConnectionPolicy policy) {
        this.policy = java.util.Objects.requireNonNull(policy, "policy");
        this.authorizer = authorizer;
        this.extranonces = extranonces;
        this.shares = shares;
        this.currentTemplate = currentTemplate;
        this.vardiff = java.util.Objects.requireNonNull(vardiff, "vardiff");
        this.versionMask = versionMask;
        this.metrics = metrics;
        this.bans = bans;
    }

    public Authorizer authorizer() {
        return authorizer;
    }

    public ExtranonceAllocator extranonces() {
        return extranonces;
    }

    public ShareProcessor shares() {
        return shares;
    }

    public Supplier<Template> currentTemplate() {
        return currentTemplate;
    }

    /** The vardiff rules a new connection (SV1) or channel (SV2) starts with. */
    public VardiffSettings vardiff() {
        return vardiff;
    }

    /**
     * Replaces the vardiff rules ({@code templar reload}): connections and channels opened from now
     * on use them; open ones keep the rules they started with.
     */
    public void vardiff(VardiffSettings settings) {
        this.vardiff = java.util.Objects.requireNonNull(settings, "vardiff");
    }

    public int versionMask() {
        return versionMask;
    }

    public PoolMetrics metrics() {
        return metrics;
    }

    public BanList bans() {
        return bans;
    }

    public ConnectionPolicy policy() {
        return policy;
    }
}
