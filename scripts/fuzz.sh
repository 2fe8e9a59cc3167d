#!/usr/bin/env bash
# libFuzzer runs of the HTTP/1 parsers and the Merchant API's XML reader (Fuzz/*.swift).
#
#   scripts/fuzz.sh [RUNS]          # RUNS per target, default 20000 (a smoke run)
#   FUZZ_TARGETS="FuzzResponseParser" scripts/fuzz.sh 1000000   # one target only
#
# For each target it compiles Sources/HTTP1/*.swift + Fuzz/FuzzSupport.swift + the target
# into one module HTTP1 with `swiftc -O -sanitize=fuzzer,address -parse-as-library`,
# seeds a corpus from llhttp's cases (Tests/LoopbackTestSupport/Conformance/llhttp) and a
# few response literals (Fuzz/make_seeds.py), and runs `-runs=RUNS -max_len=4096 -timeout=10`.
# FuzzXMLReader is compiled from Sources/MerchantAPI/XML/*.swift + MerchantField.swift into
# module MerchantAPI (the rest of that target needs swift-crypto), seeded with a few answers.
# Exits non-zero on the first crash, leak, timeout or invariant violation; the input is
# kept in .build/fuzz/artifacts/. Binaries and logs: .build/fuzz/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs="${1:-20000}"
targets="${FUZZ_TARGETS:-FuzzRequestParser FuzzChunkedBody FuzzResponseParser FuzzXMLReader}"
out=.build/fuzz
# Swift's own crash backtracer reads memory that ASan forbids; let libFuzzer report instead.
export SWIFT_BACKTRACE=enable=no
mkdir -p "$out/artifacts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 Fuzz/make_seeds.py Tests/LoopbackTestSupport/Conformance/llhttp "$work/seeds" >/dev/null
mkdir -p "$work/seeds/xml"
printf '<?xml version="1.0" encoding="utf-8"?>\n<response><pg_status>ok</pg_status><pg_payment_id>4567788</pg_payment_id><pg_redirect_url>https://x.invalid/pay.html?a=1&amp;b=&lt;2&gt;</pg_redirect_url><pg_salt>s</pg_salt><pg_sig>0</pg_sig></response>' >"$work/seeds/xml/flat"
printf '<response>\n <pg_refund_payments>\n  <pg_refund_payment><pg_amount>-1</pg_amount></pg_refund_payment>\n  <pg_refund_payment><pg_amount>-2</pg_amount></pg_refund_payment>\n </pg_refund_payments>\n <e/><t>&#x41;&#66;&quot;&apos;</t>\n</response>\n' >"$work/seeds/xml/nested"

seeds_for() {
    case "$1" in
        FuzzRequestParser) echo request ;;
        FuzzChunkedBody) echo chunked ;;
        FuzzResponseParser) echo response ;;
        FuzzXMLReader) echo xml ;;
        *) echo "fuzz.sh: unknown target $1" >&2; exit 2 ;;
    esac
}

for target in $targets; do
    kind="$(seeds_for "$target")"
    echo "== $target: building"
    if [ "$target" = FuzzXMLReader ]; then
        swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name MerchantAPI -use-ld=lld \
            Sources/MerchantAPI/XML/*.swift Sources/MerchantAPI/MerchantField.swift "Fuzz/$target.swift" -o "$out/$target"
    else
        swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name HTTP1 -use-ld=lld \
            Sources/HTTP1/*.swift Fuzz/FuzzSupport.swift "Fuzz/$target.swift" -o "$out/$target"
    fi
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
