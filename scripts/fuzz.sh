#!/usr/bin/env bash
# libFuzzer runs of the parsers: the HTTP/1 parsers (Fuzz/Fuzz{RequestParser,ChunkedBody,
# ResponseParser}.swift), the strict JSON reader (Fuzz/FuzzStrictJSON.swift) and the Merchant
# API's XML reader (Fuzz/FuzzXMLReader.swift).
#
#   scripts/fuzz.sh [RUNS]          # RUNS per target, default 20000 (a smoke run)
#   FUZZ_TARGETS="FuzzResponseParser" scripts/fuzz.sh 1000000   # one target only
#
# Each HTTP/1 target is compiled from Sources/HTTP1/*.swift + Fuzz/FuzzSupport.swift + the
# target into one module HTTP1, FuzzStrictJSON from Sources/JSONCore/*.swift + the target into
# module JSONCore, FuzzXMLReader from Sources/MerchantAPI/XML/*.swift + MerchantField.swift
# into module MerchantAPI (the rest of that target needs swift-crypto), each with
# `swiftc -O -sanitize=fuzzer,address -parse-as-library`. Seeds: llhttp's cases
# (Tests/LoopbackTestSupport/Conformance/llhttp) and a few response literals
# (Fuzz/make_seeds.py) for HTTP/1; JSONTestSuite's parsing cases
# (Tests/LoopbackTestSupport/Conformance/JSONTestSuite/test_parsing) for JSON; a few answers
# for XML. Each runs `-runs=RUNS -max_len=4096 -timeout=10`. After FuzzStrictJSON's run, its
# whole corpus (seeds and what it found) is replayed once more, and every input the strict
# reader accepted is read by Python's json through scripts/json_differential.py, which must
# read the same value. Exits non-zero on the first crash, leak, timeout, invariant violation
# or disagreement; the input is kept in .build/fuzz/artifacts/. Binaries and logs: .build/fuzz/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs="${1:-20000}"
targets="${FUZZ_TARGETS:-FuzzRequestParser FuzzChunkedBody FuzzResponseParser FuzzStrictJSON FuzzXMLReader}"
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

json_seeds=Tests/LoopbackTestSupport/Conformance/JSONTestSuite/test_parsing

seeds_for() {
    case "$1" in
        FuzzRequestParser) echo "$work/seeds/request" ;;
        FuzzChunkedBody) echo "$work/seeds/chunked" ;;
        FuzzResponseParser) echo "$work/seeds/response" ;;
        FuzzStrictJSON) echo "$json_seeds" ;;
        FuzzXMLReader) echo "$work/seeds/xml" ;;
        *) echo "fuzz.sh: unknown target $1" >&2; exit 2 ;;
    esac
}

build() {
    case "$1" in
        FuzzStrictJSON)
            swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name JSONCore -use-ld=lld \
                Sources/JSONCore/*.swift "Fuzz/$1.swift" -o "$out/$1" ;;
        FuzzXMLReader)
            swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name MerchantAPI -use-ld=lld \
                Sources/MerchantAPI/XML/*.swift Sources/MerchantAPI/MerchantField.swift "Fuzz/$1.swift" -o "$out/$1" ;;
        *)
            swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name HTTP1 -use-ld=lld \
                Sources/HTTP1/*.swift Fuzz/FuzzSupport.swift "Fuzz/$1.swift" -o "$out/$1" ;;
    esac
}

# Every input of the corpus once more (no mutation), writing what the strict reader accepted
# and its rewrite; then Python's json must read the two the same.
json_differential_replay() {
    local corpus="$1" replay="$work/json-replay" files
    rm -rf "$replay" && mkdir -p "$replay/inputs" "$replay/rewrites"
    files=("$corpus"/* "$json_seeds"/*)
    echo "== FuzzStrictJSON: differential replay of ${#files[@]} corpus inputs through Python's json"
    printf '%s\0' "${files[@]}" | FUZZ_STRICT_JSON_REPLAY="$replay" xargs -0 "$out/FuzzStrictJSON" -max_len=4096 \
        >"$out/FuzzStrictJSON-replay.log" 2>&1 || { tail -n 40 "$out/FuzzStrictJSON-replay.log" >&2; exit 1; }
    python3 scripts/json_differential.py "$replay/inputs" "$replay/rewrites" >"$out/json-differential.log" ||
        { tail -n 40 "$out/json-differential.log" >&2; echo "fuzz.sh: Python's json reads differently" >&2; exit 1; }
    tail -n 1 "$out/json-differential.log"
}

for target in $targets; do
    seeds="$(seeds_for "$target")"
    echo "== $target: building"
    build "$target"
    # libFuzzer adds what it finds to the first directory: a scratch copy, not the seeds.
    mkdir -p "$work/corpus-$target"
    echo "== $target: $runs runs (log: $out/$target.log)"
    if ! "$out/$target" -runs="$runs" -max_len=4096 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$target-" "$work/corpus-$target" "$seeds" >"$out/$target.log" 2>&1; then
        tail -n 40 "$out/$target.log" >&2
        echo "fuzz.sh: $target failed; input in $out/artifacts/" >&2
        exit 1
    fi
    grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$out/$target.log" || true
    if [[ "$target" == FuzzStrictJSON ]]; then json_differential_replay "$work/corpus-$target"; fi
done
echo "fuzz.sh: all targets passed"
