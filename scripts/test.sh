#!/usr/bin/env bash
# Runs every test and check on a fresh Debian machine, installing what is missing:
#   1. swift test: parser (incl. llhttp conformance), JWS vectors, upstream client,
#      sidecar integration over loopback, real-process tests (signals, rotation, drain)
#   2. scripts/tests: the independent verifying upstream's own unit tests
#   3. scripts/client-roundtrip.sh: curl, Python, Node and Java clients through the real
#      sidecar to an upstream that verifies every signature on its own
#   4. scripts/lint-deploy.sh: hadolint, checkov, kubernetes-validate --strict, compose
#   5. the release binary built as the Dockerfile builds it needs only the runtime image's libraries
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
step() { printf '\n=== %s\n' "$*"; }

step "system packages"
scripts/install-deps.sh --tests

step "swift test"
swift build --build-tests
swift test

step "verifying upstream unit tests"
python3 -m unittest discover -s scripts/tests

step "client round trip (curl, Python, Node, Java)"
scripts/client-roundtrip.sh .build/debug/freedompay-sidecar

step "deployment linters"
scripts/lint-deploy.sh

step "release binary and its runtime libraries"
swift build -c release --static-swift-stdlib --product freedompay-sidecar
scripts/check-runtime-libs.sh .build/release/freedompay-sidecar Dockerfile

step "all checks passed"
