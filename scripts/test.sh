#!/usr/bin/env bash
# Runs every test and check on a fresh Debian machine, installing what is missing:
#   1. swift test: parser (incl. llhttp conformance), JWS vectors, upstream client,
#      sidecar integration over loopback, real-process tests (signals, rotation, drain)
#   2. scripts/tests: the independent verifying upstream's own unit tests
#   3. scripts/client-roundtrip.sh: the refund, status read and clearing clients in
#      examples/ (curl, Python, Node, PHP, Go, Java; a runtime missing is installed from
#      Debian's packages; one that cannot be fails the run) through the real sidecar
#      (gateway-full preset) to an upstream that verifies every signature on its own, and
#      through a front that loses answers, to prove they retry with the same key; and the
#      Merchant API's init_payment clients (curl, Python, PHP) against the sandbox
#   3a. scripts/callback-roundtrip.sh: the callback handlers in examples/ (Python, Node)
#      behind the real callback listener, driven by a client with its own pg_sig code
#   3b. scripts/openapi-check.sh: openapi.yaml is valid OpenAPI 3.1, and schemathesis
#      (PyPI, in a venv) finds no 5xx and no undescribed response from the sidecar
#   4. scripts/lint-deploy.sh: hadolint, checkov, kubernetes-validate --strict, the kustomize
#      renders (kubectl with kustomize v5), compose config, shellcheck; a check that cannot
#      run fails the run
#   4b. scripts/check-monitoring.sh: promtool check rules on deploy/monitoring/alerts.yaml, and
#      every metric the Grafana dashboard and the rules name is in a running sidecar's /metrics
#   5. the release binary built as the Dockerfile builds it (version written in from the
#      build) needs only the runtime image's libraries, and runs (signs the Card API
#      known-answer vector, loads every config/*.json preset with check-config, signs the
#      Invoice API example through config/invoice.json)
#   6. scripts/prove-runtime-image.sh: the Dockerfile's runtime stage built from Debian's
#      packages (mmdebstrap), the binary run in it as 65532 with a read-only root: a
#      refund through the sandbox, exit 0 on SIGTERM (needs root)
#   7. a libFuzzer smoke run of each parser target (scripts/fuzz.sh): HTTP/1, strict JSON
#      (with a differential replay through Python's json) and the Merchant API's XML reader
#   8. scripts/sanitizers.sh address: the whole swift test suite again under
#      AddressSanitizer + LeakSanitizer (about 8 minutes from scratch on 2 cores). The
#      ThreadSanitizer run (scripts/sanitizers.sh thread) is not in CI: see README "Sanitizers".
# Nothing is skipped: a step that cannot run fails the run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
step() { printf '\n=== %s\n' "$*"; }

step "system packages"
scripts/install-deps.sh --tests

step "swift test"
swift build --build-tests
swift test

step "script unit tests (verifying upstream, pg_sig known answers pinned in Swift)"
python3 -m unittest discover -s scripts/tests

step "client round trip (examples/: curl, Python, Node, PHP, Go, Java)"
scripts/client-roundtrip.sh .build/debug/freedompay-sidecar

step "callback round trip (examples/: Python and Node callback handlers behind the callback listener)"
scripts/callback-roundtrip.sh .build/debug/freedompay-sidecar

step "OpenAPI: openapi-spec-validator, then schemathesis against the sidecar (sandbox upstream)"
scripts/openapi-check.sh .build/debug/freedompay-sidecar

step "deployment linters"
scripts/lint-deploy.sh

step "monitoring: promtool check rules; every metric the dashboard and rules name is in /metrics"
scripts/check-monitoring.sh .build/debug/freedompay-sidecar

step "release binary (version from the build) and its runtime libraries"
kat_dir="$(mktemp -d)"
# As the Dockerfile's build stage: the version is written in before compiling; the
# committed development default is put back afterwards (with its old mtime, so that the
# debug build does not recompile for it).
release_version="${SIDECAR_VERSION:-0.1.0-dev+git.$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)}"
cp -p Sources/Sidecar/BuildVersion.swift "$kat_dir/BuildVersion.swift"
trap 'cp -p "$kat_dir/BuildVersion.swift" Sources/Sidecar/BuildVersion.swift; rm -rf "$kat_dir"' EXIT
scripts/set-build-version.sh "$release_version"
swift build -c release --static-swift-stdlib --product freedompay-sidecar -Xlinker --strip-debug
cp -p "$kat_dir/BuildVersion.swift" Sources/Sidecar/BuildVersion.swift
built_version="$(.build/release/freedompay-sidecar --version)"
[[ "$built_version" == "$release_version" ]] ||
  { echo "release binary: --version prints '$built_version', expected '$release_version'" >&2; exit 1; }
echo "release binary: --version $built_version"
scripts/check-runtime-libs.sh .build/release/freedompay-sidecar Dockerfile
# …and that it runs: the Card API known-answer vector from Freedom Pay's docs.
(umask 077 && printf secret >"$kat_dir/key")
signature="$(printf '%s' '{"request_id":"828cf71d-a447-4a67-a149-c1df8bc197ca"}' |
  .build/release/freedompay-sidecar sign --uri /v5/card-api/request/status --auth-id 123456 --alg HS512 --key-file "$kat_dir/key")"
[[ "$signature" == *"..f1sQoeIpX_ZjOaykQzSeylvvKaVrEQV4gNM2ACFbEMkFDUV9Zk5WO1yQGEWez-vnQMVHodLBDVEyh5Xm2-3MjQ" ]] ||
  { echo "release binary: wrong signature: $signature" >&2; exit 1; }
echo "release binary signs the Card API known-answer vector"
# …and loads every shipped preset (check-config exits non-zero on any error).
head -c 48 /dev/urandom >"$kat_dir/preset-key" && chmod 600 "$kat_dir/preset-key"
for preset in config/*.json; do
  .build/release/freedompay-sidecar check-config --config "$preset" --upstream sandbox --auth-id 123456 \
    --key-file "$kat_dir/preset-key" >/dev/null ||
    { echo "check-config refused $preset" >&2; exit 1; }
done
echo "check-config loads every config/*.json"
# …and signs Freedom Pay's Invoice API example through the invoice preset.
(umask 077 && printf secret_key >"$kat_dir/invoice-key")
signature="$(printf '%s' '{"order_id":"828cf71d-a447-4a67-a149-c1df8bc197ca","merchant_id":123456,"amount":100,"description":"Счет за услуги","invoice_method":"qr","currency":"KZT"}' |
  .build/release/freedompay-sidecar sign --config config/invoice.json --route /v5/merchant/invoice/init --auth-id 123456 --key-file "$kat_dir/invoice-key")"
[[ "$signature" == *"..wCwFCAmxN0nbTm6mad8GxowIjgkCwfF7IAy2ijO9thLjsZFXnS4K_I4NPnXjkTFTMnEzqjk8rtIVmtf7NbGyvg" ]] ||
  { echo "invoice preset: wrong signature: $signature" >&2; exit 1; }
echo "the invoice preset signs the Invoice API example"

step "runtime image proof (the Dockerfile's last stage from Debian's packages, no engine)"
scripts/prove-runtime-image.sh .build/release/freedompay-sidecar --expect-version "$release_version"

step "fuzz smoke (libFuzzer + AddressSanitizer, 20000 runs per parser target, the XML reader's included)"
scripts/fuzz.sh 20000

step "sanitizers: swift test under ThreadSanitizer (one test at a time), then AddressSanitizer + LeakSanitizer"
scripts/sanitizers.sh all

step "all checks passed"
