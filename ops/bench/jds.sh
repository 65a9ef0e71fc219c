#!/usr/bin/env bash
# Job Declaration Server benchmark: time for the JDS to accept a DeclareMiningJob of a full template
# (3,000 transactions, some only the miner has, so ProvideMissingTransactions is used) with the proposal
# check on the embedded node; prints p50/p90/p99 of DeclareMiningJob -> Success.
#   ./templar bench jds [--transactions 3000] [--missing 200] [--rounds 300] [--warmup 100]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
cp_file=ops/target/bench/bench-classpath.txt
echo "building ops with its bench sources (src/bench/java) and its classpath..." >&2
build() {
  # -Dbench: the bench profiles (bench sources compiled with the tests they share, into target/bench)
  ./mvnw -q "$@" -Dbench -pl ops -am -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile="$here/$cp_file" -Dmdep.includeScope=test >&2
}
build -o || build   # first run on a fresh machine: let Maven fetch what it lacks
exec java -Xmx2g -Dlogback.configurationFile=pool-server/bench/logback-bench.xml --add-opens java.base/sun.security.provider=ALL-UNNAMED \
  -cp "ops/target/bench/test-classes:ops/target/bench/classes:$(cat "$cp_file")" org.templar.ops.bench.JdsBench "$@"
