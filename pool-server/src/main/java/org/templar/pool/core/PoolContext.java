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
public record PoolContext(
        Authorizer authorizer,
        ExtranonceAllocator extranonces,
        ShareProcessor shares,
        Supplier<Template> currentTemplate,
        VardiffSettings vardiff,
        int versionMask,
        PoolMetrics metrics,
        BanList bans) {}
