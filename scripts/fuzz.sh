#!/usr/bin/env bash
# libFuzzer runs of the HTTP/1 parsers (Fuzz/*.swift).
#
#   scripts/fuzz.sh [RUNS]          # RUNS per target, default 20000 (a smoke run)
#   FUZZ_TARGETS="FuzzResponseParser" scripts/fuzz.sh 1000000   # one target only
#
# For each target it compiles Sources/HTTP1/*.swift + Fuzz/FuzzSupport.swift + the target
# into one module HTTP1 with `swiftc -O -sanitize=fuzzer,address -parse-as-library`,
# seeds a corpus from llhttp's cases (Tests/LoopbackTestSupport/Conformance/llhttp) and a
# few response literals (Fuzz/make_seeds.py), and runs `-runs=RUNS -max_len=4096 -timeout=10`.
# Exits non-zero on the first crash, leak, timeout or invariant violation; the input is
# kept in .build/fuzz/artifacts/. Binaries and logs: .build/fuzz/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs="${1:-20000}"
targets="${FUZZ_TARGETS:-FuzzRequestParser FuzzChunkedBody FuzzResponseParser}"
out=.build/fuzz
# Swift's own crash backtracer reads memory that ASan forbids; let libFuzzer report instead.
export SWIFT_BACKTRACE=enable=no
mkdir -p "$out/artifacts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 Fuzz/make_seeds.py Tests/LoopbackTestSupport/Conformance/llhttp "$work/seeds" >/dev/null

seeds_for() {
    case "$1" in
        FuzzRequestParser) echo request ;;
        FuzzChunkedBody) echo chunked ;;
        FuzzResponseParser) echo response ;;
        *) echo "fuzz.sh: unknown target $1" >&2; exit 2 ;;
    esac
}

for target in $targets; do
    kind="$(seeds_for "$target")"
    echo "== $target: building"
    swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name HTTP1 -use-ld=lld \
        Sources/HTTP1/*.swift Fuzz/FuzzSupport.swift "Fuzz/$target.swift" -o "$out/$target"
    # libFuzzer adds what it finds to the first directory: a scratch copy, not the seeds.
    mkdir -p "$work/corpus-$target"
    echo "== $target: $runs runs (log: $out/$target.log)"
    if ! "$out/$target" -runs="$runs" -max_len=4096 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$target-" "$work/corpus-$target" "$work/seeds/$kind" >"$out/$target.log" 2>&1; then
        tail -n 40 "$out/$target.log" >&2
        echo "fuzz.sh: $target failed; input in $out/artifacts/" >&2
        exit 1
    fi
    grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$out/$target.log" || true
done
echo "fuzz.sh: all targets passed"
