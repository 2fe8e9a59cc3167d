#!/usr/bin/env bash
# Checks openapi.yaml against the real sidecar:
#   1. openapi-spec-validator: the document is valid OpenAPI 3.1;
#   2. schemathesis: a fixed, seeded set of generated requests (valid and invalid) against
#      the sidecar with the in-process sandbox upstream, with the gateway-full preset when
#      config/gateway-full.json exists (else the default, refunds only). Fails on any 5xx
#      and on any response the spec does not describe (status, content type, headers, body),
#      and on a sidecar error whose X-Sidecar-Error, body code and status disagree
#      (scripts/openapi/sidecar_checks.py).
# With the sandbox nothing is on the network, so no 502/503/504 has an outside cause: every
# 5xx, the sidecar's own included, is a failure here.
#
#   scripts/openapi-check.sh [BINARY]      (default .build/debug/freedompay-sidecar)
#
# Needs python3 with venv and curl; installs the pinned PyPI packages of
# scripts/openapi/requirements.txt into a venv (OPENAPI_VENV, default .build/openapi-venv).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="${1:-$root/.build/debug/freedompay-sidecar}"
venv="${OPENAPI_VENV:-$root/.build/openapi-venv}"
examples="${OPENAPI_MAX_EXAMPLES:-50}"

die() { echo "openapi-check: $*" >&2; exit 1; }
[[ -x "$binary" ]] || die "no executable sidecar at $binary (build it, or pass its path)"

requirements="$root/scripts/openapi/requirements.txt"
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi

"$venv/bin/openapi-spec-validator" "$root/openapi.yaml"
# The callback listener's own document (README, "Callbacks").
"$venv/bin/openapi-spec-validator" "$root/openapi-callbacks.yaml"

work="$(mktemp -d)"
sidecar_pid=""
cleanup() {
  local status=$?
  if [[ -n "$sidecar_pid" ]]; then kill "$sidecar_pid" 2>/dev/null || true; wait "$sidecar_pid" 2>/dev/null || true; fi
  if [[ -s "$work/sidecar.log" ]]; then
    echo "sidecar answers (status source error: count):"
    python3 -c 'import collections, json, sys
c = collections.Counter()
for line in open(sys.argv[1]):
    try: r = json.loads(line)
    except ValueError: continue
    if r.get("message") == "request": c[(r.get("status"), r.get("source"), r.get("error", "-"))] += 1
for k, n in sorted(c.items(), key=str): print("  %s %s %s: %d" % (k + (n,)))' "$work/sidecar.log" || true
  fi
  if ((status != 0)) && [[ -s "$work/sidecar.log" ]]; then
    echo "--- sidecar.log (last 40 lines)"; tail -n 40 "$work/sidecar.log"
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
key="$work/merchant-key"
(umask 077 && head -c 48 /dev/urandom >"$key")

preset=()
if [[ -f "$root/config/gateway-full.json" && -f "$root/config/merchant-api.json" ]]; then
  # Both presets' routes in one file, so that the Merchant API's paths are exercised too.
  python3 - "$root/config/gateway-full.json" "$root/config/merchant-api.json" >"$work/routes.json" <<'PY'
import json, sys
gateway, merchant = (json.load(open(path)) for path in sys.argv[1:])
print(json.dumps({"alg": gateway["alg"], "routes": gateway["routes"] + merchant["routes"]}))
PY
  preset=(--config "$work/routes.json")
  echo "preset: config/gateway-full.json + config/merchant-api.json"
elif [[ -f "$root/config/gateway-full.json" ]]; then
  preset=(--config "$root/config/gateway-full.json")
  echo "preset: config/gateway-full.json"
else
  echo "preset: none (config/gateway-full.json absent): refunds only; reverse, clearing and /v5/g2g/read answer 403/404"
fi
listen_port="$(free_port)"
admin_port="$(free_port)"
while [[ "$admin_port" == "$listen_port" ]]; do admin_port="$(free_port)"; done
"$binary" serve "${preset[@]}" --upstream sandbox --auth-id 123456 --key-file "$key" \
  --listen "127.0.0.1:$listen_port" --admin-listen "127.0.0.1:$admin_port" >"$work/sidecar.log" 2>&1 &
sidecar_pid=$!
deadline=$((SECONDS + 20))
until curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$admin_port/readyz" 2>/dev/null; do
  kill -0 "$sidecar_pid" 2>/dev/null || die "the sidecar exited before it was ready"
  ((SECONDS < deadline)) || die "the sidecar was not ready within 20 s"
  sleep 0.2
done

# The served document is the file.
curl -fsS "http://127.0.0.1:$admin_port/openapi.yaml" -o "$work/served.yaml"
cmp -s "$work/served.yaml" "$root/openapi.yaml" || die "GET /openapi.yaml differs from openapi.yaml"

cd "$work"
PYTHONPATH="$root/scripts/openapi" SCHEMATHESIS_HOOKS=sidecar_checks timeout 170 \
  "$venv/bin/st" --config-file "$root/scripts/openapi/schemathesis.toml" run "$root/openapi.yaml" \
  --url "http://127.0.0.1:$listen_port" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,sidecar_error_consistency \
  --max-examples "$examples" --seed 1 --workers 1 \
  --request-timeout 10 --no-color
