#!/usr/bin/env bash
# Durable share rate (issue 10): shares per second through the ledger's writer (Ledger.recordShare,
# group commit), on H2 on disk (PostgreSQL too with TEMPLAR_TEST_POSTGRES_*).
#   ./templar bench ledger [--seconds 20] [--warmup 30] [--runs 1] [--in-flight 20000] [--workers 1000] [--postgres-only]
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
  org.templar.payout.bench.LedgerWriterBench "$@"
