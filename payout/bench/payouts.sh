#!/usr/bin/env bash
# Payout-scheme benchmark (issue 10): PPLNS distribution and TIDES coinbase plan over a window of a
# million shares, in memory and from the ledger (H2 on disk; PostgreSQL too with TEMPLAR_TEST_POSTGRES_*).
#   ./templar bench payouts [--shares 1000000] [--accounts 10000] [--runs 5] [--memory-only]
#                            [--through-writer] [--share-by-share-runs 1]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
cp_file=payout/target/bench/bench-classpath.txt
echo "building payout with its bench sources (src/bench/java) and its classpath..." >&2
build() {
  ./mvnw -q "$@" -Dbench -pl payout -am -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile="$here/$cp_file" -Dmdep.includeScope=test >&2
}
build -o || build
exec java -Xmx3g ${PAYOUT_BENCH_JAVA_OPTS:-} -cp "payout/target/bench/test-classes:payout/target/bench/classes:$(cat "$cp_file")" \
  org.templar.payout.bench.PayoutSchemesBench "$@"
