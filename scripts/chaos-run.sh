#!/usr/bin/env bash
# The long chaos run (README "What the sidecar guarantees about answers"): the same test as
# the short run in `swift test` (Tests/SidecarTests/AnswerChaosTests.swift) — 32 callers over
# 2 event loops, each with its own refunds and Idempotency-Key, through 8 pooled upstream
# connections to a chaos upstream that sends stray CRLFs and duplicate answers (at once or a
# little later, as separate TLS records or TCP segments), splits answers, closes or resets —
# with REQUESTS refunds per transport (plain HTTP, then TLS with a test CA).
#
#   scripts/chaos-run.sh [REQUESTS]      # default 100000 per transport
#   SIDECAR_CHAOS_SEED=N scripts/chaos-run.sh   # another seed (default: the test's own)
#
# Prints one "chaos <transport>: …" line per transport (seed, requests, answers passed on,
# sidecar errors by code, crossed answers, upstream connections, chaos actions taken) and
# exits non-zero if any answer crossed or the test failed otherwise.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
requests="${1:-100000}"
[[ "$requests" =~ ^[0-9]+$ ]] || { echo "usage: $0 [REQUESTS per transport]" >&2; exit 2; }

swift build --build-tests
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# SIDECAR_CHAOS_SEED, when set, reaches the test through the environment.
SIDECAR_CHAOS_REQUESTS="$requests" swift test --skip-build --filter AnswerChaosTests >"$log" 2>&1 || status=$?
grep -E '^chaos (plain|tls):' "$log" || true
grep -E 'Test run with|passed after|failed after|Expectation failed' "$log" | tail -n 20 || true
exit "$status"
