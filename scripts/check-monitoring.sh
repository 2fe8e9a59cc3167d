#!/usr/bin/env bash
# Checks deploy/monitoring/: the alert rules with promtool check rules and their unit tests
# with promtool test rules (Debian's prometheus package, installed by
# scripts/install-deps.sh --tests), and that every metric the Grafana
# dashboard and the rules name is exposed by a running sidecar's /metrics
# (scripts/check_monitoring_metrics.py starts one on the sandbox upstream).
#   scripts/check-monitoring.sh .build/debug/freedompay-sidecar
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
binary="${1:?usage: scripts/check-monitoring.sh PATH-TO-freedompay-sidecar}"

command -v promtool >/dev/null || { echo "check-monitoring: promtool missing (apt-get install prometheus)" >&2; exit 1; }
promtool check rules deploy/monitoring/alerts.yaml
# Each alert fires on what it is for, not before its threshold, and none on a healthy sidecar.
promtool test rules deploy/monitoring/alerts.test.yaml
python3 scripts/check_monitoring_metrics.py "$binary" deploy/monitoring/grafana-dashboard.json deploy/monitoring/alerts.yaml
