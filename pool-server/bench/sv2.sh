#!/usr/bin/env bash
# Stratum V2 transport benchmark (issue 4): Noise handshakes per second and encrypted share submissions per
# second over loopback, against a minimal SV2 responder on the project's real Noise + framing + codec stack.
# Builds pool-server and its bench sources (src/bench/java; offline when it can), then runs
# org.templar.pool.sv2.bench.Sv2TransportBench for about 25 seconds and prints one line per figure:
#   <name> <value> <unit> <details>
# Extra arguments go to the benchmark: --seconds N (measurement, default 8), --concurrency N (handshakes in
# flight, 4), --connections N (submitting channels, 4), --window N (submits outstanding per channel, 64).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"   # pool-server
root="$(cd "$here/.." && pwd)"
cd "$root"
cp_file="$here/target/bench/bench-classpath.txt"
echo "building pool-server with its bench sources (src/bench/java) and its classpath..." >&2
build() {
  # -Dbench: pool-server's bench profile (bench sources compiled with the tests, into target/bench)
  ./mvnw -q "$@" -Dbench -pl pool-server -am -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test >&2
}
build -o || build   # first run on a fresh machine: let Maven fetch what it lacks
cp="$here/target/bench/test-classes:$here/target/bench/classes:$(cat "$cp_file")"
# Logback without a configuration logs DEBUG: the benchmark wants its own figures only.
exec java -Xmx512m -Dlogback.configurationFile="$here/bench/logback-bench.xml" \
  -cp "$cp" org.templar.pool.sv2.bench.Sv2TransportBench "$@"
