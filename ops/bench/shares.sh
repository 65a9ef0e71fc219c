#!/usr/bin/env bash
# Share-path load benchmark: N SV1 connections keeping W valid shares in flight against a real pool
# (embedded node, H2 ledger with durable group commit); prints accepted shares/s and answer latency.
#   ./templar bench shares [--connections 50] [--window 16] [--seconds 20] [--proxy]
# --proxy: the miners connect to `templar proxy` (pool mode, Job Declaration) in front of the pool; also
# prints the time from the proxy accepting a share to the pool's SubmitShares.Success for it.
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
  -cp "ops/target/bench/test-classes:ops/target/bench/classes:$(cat "$cp_file")" org.templar.ops.bench.ShareLoadBench "$@"
