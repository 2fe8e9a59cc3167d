#!/usr/bin/env bash
# shellcheck disable=SC2034  # the cmd_<lang> arrays are read through a nameref in run()
# End-to-end: each refund client in examples/ (curl, Python, Node/TypeScript, PHP, Go,
# Java) through a real freedompay-sidecar to scripts/verifying_upstream.py, which
# recomputes every signature independently. All on loopback; every process is stopped.
#
#   scripts/client-roundtrip.sh [BINARY]      (default .build/debug/freedompay-sidecar)
#
# Per language: a refund (200, the x-request-id derived from the key as README specifies),
# the same refund again (same x-request-id, same body), the same refund through
# scripts/lossy_front.py (a reset, then a lost answer: it must retry with the same key and
# get the original answer), a refused body (400 is final: no retry), and nothing listening
# (gives up after 4 attempts). Then, beside each refund client, the same language's status
# read (by order id) and clearing (twice with one key: one X-Request-Id, one answer), through
# the sidecar with the gateway-full preset; and the Merchant API's init_payment.php examples
# (curl, Python, PHP) through a sidecar with config/merchant-api.json and the sandbox. A missing runtime is installed from Debian's packages
# (apt-get); one that cannot be is SKIPPED, by name, in the summary.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="${1:-$root/.build/debug/freedompay-sidecar}"
examples="$root/examples"
auth_id=123456

die() { echo "client-roundtrip: $*" >&2; exit 1; }

[[ -x "$binary" ]] || die "no executable sidecar at $binary (build it, or pass its path)"
for tool in python3 curl; do command -v "$tool" >/dev/null || die "missing $tool"; done

work="$(mktemp -d)"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((status != 0)); then
    for log in sidecar.log upstream.log front.log; do
      [[ -s "$work/$log" ]] && { echo "--- $log (last 40 lines)"; tail -n 40 "$work/$log"; }
    done
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

new_uuid() { cat /proc/sys/kernel/random/uuid; }
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
wait_for_file() { # $1 file, $2 what
  for _ in $(seq 100); do [[ -s "$1" ]] && return 0; sleep 0.1; done
  die "$2 did not start within 10 s"
}

# ---- runtimes: use what is there, else install from Debian's packages, else skip ----------

skipped=()
apt_updated=0
apt_install() {
  local sudo=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "cannot install $* (not root, no sudo)" >&2; return 1; }
    sudo=(sudo -n)
  fi
  command -v apt-get >/dev/null || { echo "cannot install $* (no apt-get)" >&2; return 1; }
  echo "client-roundtrip: installing $* from Debian's packages" >&2
  if ((apt_updated == 0)); then
    "${sudo[@]}" apt-get update -qq >>"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; return 1; }
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" \
    >>"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; return 1; }
}
skip() { skipped+=("$1 ($2)"); echo "client-roundtrip: SKIPPING $1: $2" >&2; }

# Each ready language gets its command, cmd_<lang>, to which run() appends
# ORDER_ID REFUND_NUMBER PAYMENT_ID AMOUNT.
languages=()
cmd_curl=("$examples/curl/refund.sh")
cmd_curl_status=("$examples/curl/status.sh")
cmd_curl_clearing=("$examples/curl/clearing.sh")
languages+=(curl)

python_bin=""
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import requests' 2>/dev/null; then python_bin="$(command -v "$candidate")"; break; fi
done
if [[ -z "$python_bin" ]] && apt_install python3-requests && /usr/bin/python3 -c 'import requests'; then
  python_bin=/usr/bin/python3
fi
if [[ -n "$python_bin" ]]; then
  cmd_python=("$python_bin" "$examples/python/refund.py")
  cmd_python_status=("$python_bin" "$examples/python/status.py")
  cmd_python_clearing=("$python_bin" "$examples/python/clearing.py")
  languages+=(python)
else
  skip python "requests not importable and python3-requests did not install"
fi

node_ok() { command -v node >/dev/null && node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)'; }
if ! node_ok; then apt_install nodejs || true; fi
if node_ok; then
  command -v tsc >/dev/null || apt_install node-typescript || true
  if command -v tsc >/dev/null; then
    # Type-checked and compiled once; the DOM lib declares fetch as Node 18+ provides it.
    # Each file is its own script (no imports), so each is compiled on its own.
    tsc_ok=1
    for example in refund status clearing; do
      tsc --strict --target es2022 --module commonjs --lib es2022,dom --outDir "$work/node" \
        "$examples/node/$example.ts" >&2 || { tsc_ok=0; echo "client-roundtrip: tsc failed on examples/node/$example.ts" >&2; }
    done
    if ((tsc_ok)); then
      cmd_node=(node "$work/node/refund.js")
      cmd_node_status=(node "$work/node/status.js")
      cmd_node_clearing=(node "$work/node/clearing.js")
      languages+=(node)
    else
      languages+=(node-tsc-failed)
    fi
  else
    skip node "no tsc and node-typescript did not install"
  fi
else
  skip node "no node >= 18 (fetch) from Debian's packages here"
fi

php_ok() { command -v php >/dev/null && php -r 'exit(function_exists("curl_init") ? 0 : 1);'; }
php_ok || apt_install php-cli php-curl || true
if php_ok; then
  cmd_php=(php "$examples/php/refund.php")
  cmd_php_status=(php "$examples/php/status.php")
  cmd_php_clearing=(php "$examples/php/clearing.php")
  languages+=(php)
else
  skip php "php-cli with php-curl did not install"
fi

command -v go >/dev/null || apt_install golang-go || true
if command -v go >/dev/null; then
  # Built once (a single file, standard library only: no module needed).
  # status.go and clearing.go carry `//go:build ignore`: each file is its own program.
  if (cd "$examples/go" && go build -o "$work/go-refund" refund.go && go build -o "$work/go-status" status.go &&
    go build -o "$work/go-clearing" clearing.go) >&2; then
    cmd_go=("$work/go-refund")
    cmd_go_status=("$work/go-status")
    cmd_go_clearing=("$work/go-clearing")
    languages+=(go)
  else
    echo "client-roundtrip: go build failed on examples/go" >&2
    languages+=(go-build-failed)
  fi
else
  skip go "golang-go did not install"
fi

# java >= 17 with its compiler (a JDK): `java Refund.java` compiles the file in memory.
java_ok() {
  command -v java >/dev/null && java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])' &&
    java --list-modules 2>/dev/null | grep -q '^jdk.compiler@'
}
java_ok || apt_install openjdk-17-jdk-headless || true
if java_ok; then
  cmd_java=(java "$examples/java/Refund.java")
  cmd_java_status=(java "$examples/java/Status.java")
  cmd_java_clearing=(java "$examples/java/Clearing.java")
  languages+=(java)
else
  skip java "no java >= 17 and openjdk-17-jdk-headless did not install"
fi

# ---- the verifying upstream, the sidecar, the lossy front ----------------------------------

key="$work/merchant-key"
(umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$key")

python3 "$root/scripts/verifying_upstream.py" --port 0 --port-file "$work/upstream.port" \
  --auth-id "$auth_id" --key-file "$key" --alg HS256 2>"$work/upstream.log" &
pids+=($!)
wait_for_file "$work/upstream.port" verifying_upstream.py
upstream_port="$(cat "$work/upstream.port")"

listen_port="$(free_port)"
admin_port="$(free_port)"
while [[ "$admin_port" == "$listen_port" ]]; do admin_port="$(free_port)"; done

"$binary" serve --config "$root/config/gateway-full.json" --upstream "http://127.0.0.1:$upstream_port" --auth-id "$auth_id" \
  --key-file "$key" --listen "127.0.0.1:$listen_port" --admin-listen "127.0.0.1:$admin_port" \
  >"$work/sidecar.log" 2>&1 &
sidecar_pid=$!
pids+=("$sidecar_pid")

python3 "$root/scripts/lossy_front.py" --target "http://127.0.0.1:$listen_port" \
  --port-file "$work/front.port" 2>"$work/front.log" &
pids+=($!)
wait_for_file "$work/front.port" lossy_front.py
front_url="http://127.0.0.1:$(cat "$work/front.port")"

deadline=$((SECONDS + 20))
until curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$admin_port/readyz" 2>/dev/null; do
  kill -0 "$sidecar_pid" 2>/dev/null || die "the sidecar exited before it was ready"
  ((SECONDS < deadline)) || die "the sidecar was not ready within 20 s"
  sleep 0.2
done
sidecar_url="http://127.0.0.1:$listen_port"
echo "sidecar ready on 127.0.0.1:$listen_port (admin $admin_port), upstream 127.0.0.1:$upstream_port, lossy front $front_url"

# ---- checks ---------------------------------------------------------------------------------

# The x-request-id README's "Request ids" specifies for an Idempotency-Key KEY on ACTION
# (default a refund) on /v5/g2g/edit, computed here independently of the sidecar.
expected_request_id() { # KEY [ACTION]
  python3 - "$auth_id" /v5/g2g/edit "${2:-gateway.payment.refund}" "$1" <<'PY'
import hashlib, sys, uuid
h = hashlib.sha256(b"freedompay-sidecar idempotency-key v2")
for part in sys.argv[1:]:
    data = part.encode()
    h.update(len(data).to_bytes(4, "big") + data)
b = bytearray(h.digest()[:16])
b[6] = (b[6] & 0x0F) | 0x80
b[8] = (b[8] & 0x3F) | 0x80
print(uuid.UUID(bytes=bytes(b)))
PY
}
[[ "$(expected_request_id order-42)" == 2ec60bb3-659f-8a6c-94a2-880f2d99631b ]] ||
  die "expected_request_id does not give README's known answer"

# run LANG NAME URL ARGS...: the example's stdout+stderr in $work/LANG-NAME.out, its exit
# status in $work/LANG-NAME.rc; bounded at 60 s.
run() {
  local lang="$1" name="$2" url="$3"; shift 3
  local -n cmd="cmd_$lang"
  local rc=0
  SIDECAR_URL="$url" timeout 60 "${cmd[@]}" "$@" >"$work/$lang-$name.out" 2>&1 || rc=$?
  echo "$rc" >"$work/$lang-$name.rc"
}
field() { sed -n "s/^$2:\{0,1\} //p" "$1" | tail -n 1; }      # field FILE NAME ("HTTP 200", "x-request-id: …")
no_retries() { ! grep -q '^attempt ' "$1"; }
body_of() { grep '^{' "$1" | tail -n 1; }                      # the JSON answer line
json_field() { body_of "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2" 2>/dev/null; }
refund_status() { body_of "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["refund_payment"]["status"])' 2>/dev/null; }

passed=0
failed=0
problems=()
expect() { # expect LANG DESCRIPTION CONDITION...
  local lang="$1" what="$2"; shift 2
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    problems+=("$lang: $what")
    echo "   FAILED: $lang: $what" >&2
  fi
}

for lang in "${languages[@]}"; do
  echo "== $lang"
  if [[ "$lang" == *-failed ]]; then
    expect "${lang%%-*}" "compiles" false
    continue
  fi
  payment_id="$(new_uuid)"
  order="ci-$lang-$$"

  # 1. A refund, and the same refund again: the same key, so the same id and answer.
  run "$lang" first "$sidecar_url" "$order" 1 "$payment_id" 250
  run "$lang" again "$sidecar_url" "$order" 1 "$payment_id" 250
  sed 's/^/   /' "$work/$lang-first.out"
  want_id="$(expected_request_id "order-$order-refund-1")"
  first_id="$(field "$work/$lang-first.out" x-request-id)"
  expect "$lang" "refund exits 0" [ "$(cat "$work/$lang-first.rc")" = 0 ]
  expect "$lang" "refund answers HTTP 200" [ "$(field "$work/$lang-first.out" HTTP)" = 200 ]
  expect "$lang" "refund answer has refund_payment.status" [ -n "$(refund_status "$work/$lang-first.out")" ]
  expect "$lang" "x-request-id $first_id is the one derived from order-$order-refund-1" [ "$first_id" = "$want_id" ]
  expect "$lang" "the same refund again exits 0" [ "$(cat "$work/$lang-again.rc")" = 0 ]
  expect "$lang" "the same refund again has the same x-request-id" \
    [ "$(field "$work/$lang-again.out" x-request-id)" = "$first_id" ]
  expect "$lang" "the same refund again has the same answer" \
    [ "$(body_of "$work/$lang-again.out")" = "$(body_of "$work/$lang-first.out")" ]

  # 2. Through the lossy front: a reset, then a lost answer, then the original answer.
  run "$lang" lossy "$front_url" "$order" 2 "$payment_id" 100
  sed 's/^/   lossy: /' "$work/$lang-lossy.out"
  lossy_key="order-$order-refund-2"
  lost_id="$(sed -n "s/^key=$lossy_key attempt=2 outcome=lost x_request_id=//p" "$work/front.log")"
  expect "$lang" "retried after a reset and a 504 (exits 0)" [ "$(cat "$work/$lang-lossy.rc")" = 0 ]
  expect "$lang" "made exactly 3 attempts with key $lossy_key" \
    [ "$(grep -c "^key=$lossy_key " "$work/front.log")" = 3 ]
  expect "$lang" "the retry's x-request-id is the lost attempt's" \
    [ -n "$lost_id" -a "$(field "$work/$lang-lossy.out" x-request-id)" = "$lost_id" ]
  expect "$lang" "the upstream saw that id twice (replayed, not refunded twice)" \
    [ "$(grep -c "request_id=$lost_id " "$work/upstream.log")" = 2 ]

  # 3. A body the sidecar refuses (amount 0): 400 is final, so exactly one attempt.
  run "$lang" refused "$sidecar_url" "$order" 3 "$payment_id" 0
  expect "$lang" "a 400 exits 1" [ "$(cat "$work/$lang-refused.rc")" = 1 ]
  expect "$lang" "a 400 is printed" [ "$(field "$work/$lang-refused.out" HTTP)" = 400 ]
  expect "$lang" "a 400 is not retried" no_retries "$work/$lang-refused.out"

  # 4. Beside the refund: a status read by order id, and a clearing sent twice with one key.
  run "${lang}_status" read "$sidecar_url" "$order"
  sed 's/^/   status: /' "$work/${lang}_status-read.out"
  expect "$lang" "status read exits 0" [ "$(cat "$work/${lang}_status-read.rc")" = 0 ]
  expect "$lang" "status read answers HTTP 200" [ "$(field "$work/${lang}_status-read.out" HTTP)" = 200 ]
  expect "$lang" "status read was for order_id $order" [ "$(json_field "$work/${lang}_status-read.out" order_id)" = "$order" ]
  expect "$lang" "the upstream saw a gateway.payment.status read" \
    [ "$(grep -c "request_id=$(field "$work/${lang}_status-read.out" x-request-id) action=gateway.payment.status " "$work/upstream.log")" = 1 ]
  run "${lang}_clearing" first "$sidecar_url" "$order" "$payment_id" 120.5
  run "${lang}_clearing" again "$sidecar_url" "$order" "$payment_id" 120.5
  sed 's/^/   clearing: /' "$work/${lang}_clearing-first.out"
  clearing_id="$(field "$work/${lang}_clearing-first.out" x-request-id)"
  expect "$lang" "clearing exits 0" [ "$(cat "$work/${lang}_clearing-first.rc")" = 0 ]
  expect "$lang" "clearing answers HTTP 200 with clearing_amount 120.5" \
    [ "$(field "$work/${lang}_clearing-first.out" HTTP)" = 200 -a "$(json_field "$work/${lang}_clearing-first.out" clearing_amount)" = 120.5 ]
  expect "$lang" "clearing x-request-id is the one derived from order-$order-clearing" \
    [ "$clearing_id" = "$(expected_request_id "order-$order-clearing" gateway.payment.clearing)" ]
  expect "$lang" "the same clearing again has the same x-request-id and answer" \
    [ "$(field "$work/${lang}_clearing-again.out" x-request-id)" = "$clearing_id" -a \
      "$(body_of "$work/${lang}_clearing-again.out")" = "$(body_of "$work/${lang}_clearing-first.out")" ]
  expect "$lang" "the upstream saw the clearing as gateway.payment.clearing" \
    [ "$(grep -c "request_id=$clearing_id action=gateway.payment.clearing " "$work/upstream.log")" = 2 ]
done

# 4. Nothing listening: every language gives up after 4 attempts (in parallel: ~4 s).
dead_url="http://127.0.0.1:$(free_port)"
runs=()
for lang in "${languages[@]}"; do
  [[ "$lang" == *-failed ]] && continue
  run "$lang" unreachable "$dead_url" "ci-$lang-$$" 4 "$(new_uuid)" 100 &
  runs+=($!)
done
for pid in "${runs[@]}"; do wait "$pid" || true; done
for lang in "${languages[@]}"; do
  [[ "$lang" == *-failed ]] && continue
  echo "== $lang, nothing listening"
  sed 's/^/   /' "$work/$lang-unreachable.out"
  expect "$lang" "gives up (exit 1) when nothing listens" [ "$(cat "$work/$lang-unreachable.rc")" = 1 ]
  expect "$lang" "3 retries (4 attempts) when nothing listens" \
    [ "$(grep -c '^attempt ' "$work/$lang-unreachable.out")" = 3 ]
done

# 5. The Merchant API: init_payment.php from curl, Python and PHP (no key in the app) through
#    a second sidecar with config/merchant-api.json and the sandbox; each answer's pg_sig is
#    checked again here, independently (hashlib, xml.etree); a refused amount is final.
merchant_port="$(free_port)"
merchant_admin="$(free_port)"
while [[ "$merchant_admin" == "$merchant_port" ]]; do merchant_admin="$(free_port)"; done
"$binary" serve --config "$root/config/merchant-api.json" --upstream sandbox --auth-id "$auth_id" \
  --key-file "$key" --listen "127.0.0.1:$merchant_port" --admin-listen "127.0.0.1:$merchant_admin" \
  >"$work/merchant-sidecar.log" 2>&1 &
merchant_pid=$!
pids+=("$merchant_pid")
deadline=$((SECONDS + 20))
until curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$merchant_admin/readyz" 2>/dev/null; do
  kill -0 "$merchant_pid" 2>/dev/null || die "the Merchant API sidecar exited before it was ready"
  ((SECONDS < deadline)) || die "the Merchant API sidecar was not ready within 20 s"
  sleep 0.2
done
merchant_url="http://127.0.0.1:$merchant_port"
answer_sig_ok() { # answer_sig_ok FILE: the XML answer's pg_sig, recomputed from the docs' rule
  sed -n '/^<?xml/,$p' "$1" | python3 -c '
import hashlib, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read().encode())
fields = [(c.tag, c.text or "") for c in root if c.tag != "pg_sig"]
values = [v for _, v in sorted(fields, key=lambda f: f[0].encode())]
secret = open(sys.argv[1], "rb").read().strip().decode()
expected = hashlib.md5(";".join(["init_payment.php"] + values + [secret]).encode()).hexdigest()
sys.exit(0 if root.findtext("pg_sig") == expected else 1)' "$key"
}
cmd_curl_init=("$examples/curl/init_payment.sh")
[[ -n "$python_bin" ]] && cmd_python_init=("$python_bin" "$examples/python/init_payment.py")
php_ok && cmd_php_init=(php "$examples/php/init_payment.php")
for lang in curl python php; do
  declare -p "cmd_${lang}_init" >/dev/null 2>&1 || { skip "$lang init_payment" "no $lang runtime"; continue; }
  echo "== $lang, Merchant API init_payment.php"
  run "${lang}_init" created "$merchant_url" "ci-$lang-$$" 2500.50 "Заказ ci-$lang"
  sed 's/^/   /' "$work/${lang}_init-created.out"
  expect "$lang" "init_payment exits 0" [ "$(cat "$work/${lang}_init-created.rc")" = 0 ]
  expect "$lang" "init_payment answers HTTP 200" [ "$(field "$work/${lang}_init-created.out" HTTP)" = 200 ]
  expect "$lang" "the sidecar verified the answer's pg_sig" \
    [ "$(field "$work/${lang}_init-created.out" X-FreedomPay-Signature)" = verified ]
  expect "$lang" "the answer's pg_sig verifies independently" answer_sig_ok "$work/${lang}_init-created.out"
  run "${lang}_init" refused "$merchant_url" "ci-$lang-$$-0" 0 "zero"
  expect "$lang" "an amount of 0 is a final 400" [ "$(field "$work/${lang}_init-refused.out" HTTP)" = 400 ]
  expect "$lang" "a 400 is not retried" no_retries "$work/${lang}_init-refused.out"
done

# Every request the upstream saw carried a valid signature.
ok="$(grep -c 'signature=ok result=200' "$work/upstream.log" || true)"
bad="$(grep -c 'result=40' "$work/upstream.log" || true)"
echo "upstream: $ok verified, $bad rejected"
expect upstream "every signature verified" [ "$bad" = 0 -a "$ok" -gt 0 ]

echo
echo "client-roundtrip: ran ${languages[*]}: $passed checks passed, $failed failed"
for s in "${skipped[@]}"; do echo "client-roundtrip: SKIPPED $s"; done
for p in "${problems[@]}"; do echo "client-roundtrip: FAILED $p"; done
((failed == 0))
