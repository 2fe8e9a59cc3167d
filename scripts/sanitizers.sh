#!/usr/bin/env bash
# Runs the whole test suite under ThreadSanitizer and/or AddressSanitizer (with
# LeakSanitizer), each in its own scratch directory so that the normal .build stays as is:
#
#   scripts/sanitizers.sh [thread|address|all]      (default: all, one after the other)
#
# For each sanitizer it runs exactly:
#   swift build --build-tests -Xswiftc -sanitize=S --scratch-path .build-tsan|.build-asan
#   swift test --skip-build [--no-parallel for thread] -Xswiftc -sanitize=S --scratch-path .build-tsan|.build-asan
# (-Xswiftc instruments the Swift code, ours and the packages'; the C shims, BoringSSL and the
# system OpenSSL are not instrumented, though ASan's interceptors still check their libc calls.)
#
# Every report goes to a file under a fresh directory (log_path), also from the sidecar
# processes that ProcessTests starts, since they inherit TSAN_OPTIONS / ASAN_OPTIONS. The run
# fails if a test fails or if any report was written; the reports are printed.
# TSan suppressions: scripts/tsan-suppressions.txt; LeakSanitizer suppressions:
# scripts/lsan-suppressions.txt (each entry in both says why it is not our bug).
# Each build takes several minutes on 2 cores; don't run the two at once.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

run() {
  local sanitizer="$1" scratch="$2" reports
  reports="$(mktemp -d "${TMPDIR:-/tmp}/sanitizer-$sanitizer.XXXXXX")"
  printf '\n=== %s sanitizer (reports in %s)\n' "$sanitizer" "$reports"
  swift build --build-tests -Xswiftc -sanitize="$sanitizer" --scratch-path "$scratch"
  local status=0
  case "$sanitizer" in
    thread)
      # --no-parallel: one test at a time. Each test keeps its own threads (event loops, pools,
      # fakes), which is what TSan is here to check; what goes is the interleaving of unrelated
      # tests. Run in parallel under TSan, the whole suite slowed to about one core and dozens
      # of tests hit their 10 s timeouts together (README, "Sanitizers").
      # atexit_sleep_ms=0: TSan otherwise sleeps 1 s in the exit of every instrumented process,
      # and the process tests start the sidecar dozens of times.
      TSAN_OPTIONS="log_path=$reports/report suppressions=$root/scripts/tsan-suppressions.txt second_deadlock_stack=1 atexit_sleep_ms=0 ${TSAN_OPTIONS:-}" \
        swift test --skip-build --no-parallel -Xswiftc -sanitize=thread --scratch-path "$scratch" || status=$?
      ;;
    address)
      ASAN_OPTIONS="log_path=$reports/report detect_leaks=1 ${ASAN_OPTIONS:-}" \
        LSAN_OPTIONS="suppressions=$root/scripts/lsan-suppressions.txt print_suppressions=0 ${LSAN_OPTIONS:-}" \
        swift test --skip-build -Xswiftc -sanitize=address --scratch-path "$scratch" || status=$?
      ;;
  esac
  if compgen -G "$reports/report*" >/dev/null; then
    cat "$reports"/report*
    echo "$sanitizer sanitizer: reports above (files in $reports)" >&2
    return 1
  fi
  if [[ $status -ne 0 ]]; then
    echo "$sanitizer sanitizer: swift test failed ($status)" >&2
    return "$status"
  fi
  echo "$sanitizer sanitizer: all tests passed, no reports"
}

case "${1:-all}" in
  thread) run thread .build-tsan ;;
  address) run address .build-asan ;;
  all)
    run thread .build-tsan
    run address .build-asan
    ;;
  *) echo "usage: $0 [thread|address|all]" >&2; exit 2 ;;
esac
