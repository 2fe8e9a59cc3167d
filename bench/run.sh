#!/usr/bin/env bash
# Throughput and latency of the refund path on loopback, against nginx standing in for
# Freedom Pay (a static 200 JSON answer), compared with wrk straight to nginx.
#   bench/run.sh [SECONDS] [CONNECTIONS]      (defaults 10 s, 16 connections)
# Installs wrk and nginx with apt when missing. Builds the release binary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-10}"
connections="${2:-16}"
threads=$((connections < 2 ? connections : 2))

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
if ((${#missing[@]})); then
  sudo=(); [[ $EUID -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

swift build -c release --static-swift-stdlib --product freedompay-sidecar >/dev/null
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work;
  server {
    listen 127.0.0.1:18443;
    keepalive_requests 1000000;
    location = /v5/g2g/edit {
      default_type application/json;
      add_header x-request-status success;
      return 200 '{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100,"refund_payment":{"id":"01978d53-0000-7000-8000-000000000000","status":"process","amount":-100}}';
    }
  }
}
CONF
"$nginx_bin" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
pids+=($!)
for _ in $(seq 50); do [[ -s "$work/nginx.pid" ]] && break; sleep 0.1; done
[[ -s "$work/nginx.pid" ]] || { echo "bench: nginx did not start:" >&2; cat "$work/nginx-error.log" >&2; exit 1; }

(umask 077 && echo bench-secret >"$work/key")
.build/release/freedompay-sidecar serve --upstream http://127.0.0.1:18443 --auth-id 123456 \
  --key-file "$work/key" --listen 127.0.0.1:18080 --admin-listen 127.0.0.1:19090 --log-level warning >"$work/sidecar.log" &
pids+=($!)
for _ in $(seq 100); do
  .build/release/freedompay-sidecar healthcheck --url http://127.0.0.1:19090/readyz && break
  sleep 0.1
done

echo "== wrk -> nginx directly (baseline), ${seconds}s, ${connections} connections"
wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s bench/refund.lua http://127.0.0.1:18443/v5/g2g/edit
echo
echo "== wrk -> freedompay-sidecar -> nginx, ${seconds}s, ${connections} connections"
wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s bench/refund.lua http://127.0.0.1:18080/v5/g2g/edit
