#!/usr/bin/env bash
# Proves the Dockerfile's runtime stage without a container engine:
#   1. builds that stage's root filesystem from Debian's packages with mmdebstrap
#      (bookworm, --variant=minbase as debian:bookworm-slim is, with slim's dpkg path
#      excludes) plus exactly the packages the Dockerfile's last stage apt-installs, and
#      creates its user 65532 as the Dockerfile does; cached under .build/runtime-image/
#   2. copies in the release binary as the Dockerfile's COPY does (root:root 0755,
#      /usr/local/bin/freedompay-sidecar)
#   3. checks the binary's dynamic needs with that root's own loader (ldd in a chroot),
#      each library owned by a package of that root, and that the root is read-only
#   4. runs `serve --upstream sandbox` there as UID/GID 65532, in its own mount namespace,
#      root file system read-only, key in a 0600 file, on the image's default ports
#      (127.0.0.1:18080 and 19090, or two free ones when those are taken; the network
#      namespace is the host's), probes it with the
#      image's HEALTHCHECK command, sends a refund with curl from the host and checks the
#      200, then sends SIGTERM and checks exit 0.
#
#   scripts/prove-runtime-image.sh BINARY [--dockerfile FILE] [--expect-version V]
#
# Needs root (mmdebstrap, chroot, unshare, mount) on Debian; installs mmdebstrap and curl
# with apt when they are missing. PROVE_IMAGE_REFRESH=1 rebuilds the cached root (it is
# rebuilt anyway when the package list changes or it is older than 7 days).
set -euo pipefail

root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
self="$root_dir/scripts/prove-runtime-image.sh"
die() { echo "prove-runtime-image: FAILED: $*" >&2; exit 1; }
say() { echo "prove-runtime-image: $*"; }

# Mounts what a container engine gives a container: /proc, a minimal /dev, the secret
# directory; then makes the root read-only. Runs inside `unshare --mount` (private
# propagation), so every mount disappears with the namespace.
setup_container_root() {
  local rootfs="$1" secrets="$2" dev
  mount --bind "$rootfs" "$rootfs"
  mount -t proc proc "$rootfs/proc"
  mount -t tmpfs -o mode=0755,nosuid,size=64k tmpfs "$rootfs/dev"
  for dev in null zero random urandom; do
    : >"$rootfs/dev/$dev"
    mount --bind "/dev/$dev" "$rootfs/dev/$dev"
  done
  mount --bind -o ro "$secrets" "$rootfs/run/secrets/freedompay"
  mount -o remount,bind,ro "$rootfs"
}

# --- inside the mount namespace (the script runs itself under unshare) ---
if [[ "${1:-}" == --inside-check ]]; then
  rootfs="$2" secrets="$3"
  setup_container_root "$rootfs" "$secrets"
  echo "--- ldd (the root's own loader) ---"
  needs="$(chroot "$rootfs" /usr/bin/ldd /usr/local/bin/freedompay-sidecar 2>&1)" || true
  echo "$needs"
  if grep -q 'not found' <<<"$needs"; then
    echo "MISSING in the runtime root: $(grep 'not found' <<<"$needs" | awk '{ print $1 }' | paste -sd' ' -)"
    exit 1
  fi
  grep -q '=> /' <<<"$needs" || { echo "ldd resolved nothing (not a dynamic binary for this root?)"; exit 1; }
  echo "--- library owners (the root's dpkg) ---"
  while IFS= read -r lib; do
    real="$(chroot "$rootfs" /usr/bin/readlink -f "$lib")"
    owner=""
    for candidate in "$lib" "$real" "/usr${lib#/usr}" "${lib#/usr}" "/usr${real#/usr}" "${real#/usr}"; do
      owner="$(chroot "$rootfs" /usr/bin/dpkg -S "$candidate" 2>/dev/null | head -n1 | cut -d: -f1)" && [[ -n "$owner" ]] && break
    done
    [[ -n "$owner" ]] || { echo "NO PACKAGE OWNS $lib"; exit 1; }
    printf '%-48s %s\n' "$lib" "$owner"
  done < <(sed -n 's/.*=> \(\/[^ ]*\) (.*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' <<<"$needs")
  echo "--- read-only root ---"
  if chroot "$rootfs" /bin/sh -c ': >/probe-write' 2>/dev/null; then
    echo "the root file system is writable"; exit 1
  fi
  if chroot --userspec=65532:65532 "$rootfs" /bin/sh -c ': >/tmp/probe-write' 2>/dev/null; then
    echo "/tmp is writable for 65532"; exit 1
  fi
  echo "writes to / and /tmp fail (read-only)"
  echo "--- version ---"
  chroot --userspec=65532:65532 "$rootfs" /usr/local/bin/freedompay-sidecar --version
  exit 0
fi
if [[ "${1:-}" == --inside-serve ]]; then
  rootfs="$2" secrets="$3"
  shift 3
  setup_container_root "$rootfs" "$secrets"
  # As the image runs it: USER 65532:65532, ENTRYPOINT freedompay-sidecar, a container's
  # environment. chroot execs, so this process becomes the sidecar (the caller's $!).
  exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent \
    chroot --userspec=65532:65532 "$rootfs" freedompay-sidecar "$@"
fi

# --- outside ---
binary="" dockerfile="$root_dir/Dockerfile" expect_version=""
while (($#)); do
  case "$1" in
    --dockerfile) dockerfile="$2"; shift 2 ;;
    --expect-version) expect_version="$2"; shift 2 ;;
    -*) echo "usage: $0 BINARY [--dockerfile FILE] [--expect-version V]" >&2; exit 2 ;;
    *) binary="$1"; shift ;;
  esac
done
[[ -n "$binary" ]] || { echo "usage: $0 BINARY [--dockerfile FILE] [--expect-version V]" >&2; exit 2; }
[[ -f "$binary" ]] || die "no binary at $binary (build it: swift build -c release --static-swift-stdlib --product freedompay-sidecar)"
[[ -f "$dockerfile" ]] || die "no Dockerfile at $dockerfile"
[[ $EUID -eq 0 ]] || die "needs root (mmdebstrap, chroot, unshare --mount, mount)"

missing=()
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
  say "installing ${missing[*]} (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in mmdebstrap chroot unshare mount curl sha256sum; do
  command -v "$tool" >/dev/null || die "missing tool: $tool"
done

# --- what the Dockerfile's runtime stage is: its base and its apt-get install line ---
last_stage="$(awk '/^FROM[ \t]/ { stage = "" } { stage = stage $0 "\n" } END { printf "%s", stage }' "$dockerfile")"
base="$(sed -n 's/^FROM[ \t]\{1,\}\([^ \t]*\).*/\1/p' <<<"$last_stage" | head -n1)"
[[ "$base" == debian:bookworm-slim@sha256:* || "$base" == debian@sha256:* ]] ||
  die "the runtime stage is FROM $base: this proof builds debian:bookworm-slim (pinned by digest) only"
mapfile -t packages < <(
  sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' <<<"$last_stage" |
    grep -o 'apt-get install[^&;|]*' |
    tr -s ' \t' '\n' |
    grep -v -e '^-' -e '^apt-get$' -e '^install$' -e '^$' |
    sed -e "s/^['\"]//" -e "s/['\"]\$//" |
    sort -u
)
((${#packages[@]} > 0)) || die "no apt-get install in the last stage of $dockerfile"
grep -q 'useradd .*--uid 65532' <<<"$last_stage" || die "the runtime stage no longer creates user 65532; update this proof"
grep -q '^USER 65532:65532' <<<"$last_stage" || die "the runtime stage no longer runs as USER 65532:65532; update this proof"
grep -q '^COPY --from=build /out/freedompay-sidecar /usr/local/bin/freedompay-sidecar' <<<"$last_stage" ||
  die "the runtime stage copies the binary elsewhere; update this proof"
say "runtime stage: $base + ${packages[*]}"

# --- the root file system, cached by its recipe ---
slim_excludes=(
  '/usr/share/doc/*' '/usr/share/man/*' '/usr/share/info/*' '/usr/share/locale/*'
  '/usr/share/groff/*' '/usr/share/lintian/*' '/usr/share/linda/*'
)
recipe="bookworm minbase ${packages[*]} excludes ${slim_excludes[*]} user 65532 v1"
key="$(printf '%s' "$recipe" | sha256sum | cut -c1-16)"
cache="$root_dir/.build/runtime-image"
rootfs="$cache/$key/root"
if [[ "${PROVE_IMAGE_REFRESH:-0}" == 1 ]] ||
  [[ ! -f "$cache/$key/complete" ]] ||
  [[ -n "$(find "$cache/$key/complete" -mtime +7 2>/dev/null)" ]]; then
  say "building the root file system (mmdebstrap, about 2 minutes)"
  rm -rf "${cache:?}/${key:?}"
  mkdir -p "$cache/$key"
  dpkgopts=()
  for pattern in "${slim_excludes[@]}"; do dpkgopts+=("--dpkgopt=path-exclude=$pattern"); done
  # Copyright files stay, as in the slim images.
  dpkgopts+=("--dpkgopt=path-include=/usr/share/doc/*/copyright")
  include="$(IFS=,; echo "${packages[*]}")"
  if ! mmdebstrap --quiet --variant=minbase --include="$include" "${dpkgopts[@]}" \
    bookworm "$rootfs" >"$cache/$key/mmdebstrap.log" 2>&1; then
    tail -n 30 "$cache/$key/mmdebstrap.log" >&2
    die "mmdebstrap could not build the root (log: $cache/$key/mmdebstrap.log)"
  fi
  # The rest of the Dockerfile's RUN line.
  chroot "$rootfs" groupadd --system --gid 65532 sidecar
  chroot "$rootfs" useradd --system --uid 65532 --gid 65532 --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin sidecar
  rm -rf "$rootfs/var/lib/apt/lists/"*
  mkdir -p "$rootfs/run/secrets/freedompay" # the mount point a container engine would make
  printf '%s\n' "$recipe" >"$cache/$key/complete"
else
  say "reusing the cached root $rootfs"
fi
# dpkg-query's ${…} formats are its own, not the shell's.
# shellcheck disable=SC2016
for pkg in "${packages[@]}"; do
  name="${pkg%%=*}"
  chroot "$rootfs" dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'install ok installed' ||
    die "$name is not installed in the root"
done
# shellcheck disable=SC2016
say "root: $(chroot "$rootfs" dpkg-query -W -f='${binary:Package}\n' | wc -l) packages, $(du -sh --exclude=proc "$rootfs" | cut -f1); $(chroot "$rootfs" dpkg-query -W -f='${Package} ${Version}  ' libc6 libssl3 ca-certificates)"

# --- COPY --from=build /out/freedompay-sidecar /usr/local/bin/freedompay-sidecar ---
install -D -o root -g root -m 0755 "$binary" "$rootfs/usr/local/bin/freedompay-sidecar"

work="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The key: a 0600 file owned by the sidecar's user, in a directory mounted read-only.
mkdir -m 0750 "$work/secrets"
(umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >"$work/secrets/secret-key")
chown -R 65532:65532 "$work/secrets"

# --- dynamic needs, read-only root, version: checked inside the root ---
if ! unshare --mount --propagation private "$self" --inside-check "$rootfs" "$work/secrets" >"$work/check.log" 2>&1; then
  cat "$work/check.log" >&2
  die "in the runtime root: $(tail -n1 "$work/check.log")"
fi
cat "$work/check.log"
grep -q 'not found' "$work/check.log" && die "a library is not found in the runtime root"
version="$(tail -n1 "$work/check.log")"
if [[ -n "$expect_version" && "$version" != "$expect_version" ]]; then
  die "--version prints '$version', expected '$expect_version'"
fi

# --- serve, as the image does ---
# The image's default ports when free; on a shared machine where something else holds
# them, two free ports instead (then flags and the HEALTHCHECK's --url name them).
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
listen_port=18080 admin_port=19090 port_flags=() healthcheck_flags=()
if port_in_use "$listen_port" || port_in_use "$admin_port"; then
  for _ in $(seq 1 50); do
    listen_port=$((20000 + RANDOM % 20000)) admin_port=$((40000 + RANDOM % 20000))
    port_in_use "$listen_port" || port_in_use "$admin_port" || break
  done
  say "18080 or 19090 is in use on this host: using $listen_port and $admin_port"
  port_flags=(--listen "127.0.0.1:$listen_port" --admin-listen "127.0.0.1:$admin_port")
  healthcheck_flags=(--url "http://127.0.0.1:$admin_port/readyz")
fi
say "starting the sidecar in the runtime root (UID 65532, read-only root)"
unshare --mount --propagation private "$self" --inside-serve "$rootfs" "$work/secrets" \
  serve --upstream sandbox --auth-id 123456 --key-file /run/secrets/freedompay/secret-key \
  "${port_flags[@]}" >"$work/sidecar.log" 2>&1 &
pid=$!

ready=0
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || { cat "$work/sidecar.log" >&2; die "the sidecar exited at start-up"; }
  if curl -fsS -o /dev/null "http://127.0.0.1:$admin_port/readyz" 2>/dev/null; then ready=1; break; fi
  sleep 0.1
done
((ready)) || { cat "$work/sidecar.log" >&2; die "the sidecar was not ready within 10 s"; }

# It runs where and as what it should.
[[ "$(readlink "/proc/$pid/root")" == "$rootfs" ]] || die "the sidecar's root is $(readlink "/proc/$pid/root"), not $rootfs"
uids="$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")"
gids="$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")"
[[ "$uids" == "65532 65532 65532 65532" && "$gids" == "65532 65532 65532 65532" ]] ||
  die "the sidecar runs as uid ($uids) gid ($gids), not 65532"
awk '$5 == "/" && $6 ~ /(^|,)ro(,|$)/ { found = 1 } END { exit !found }' "/proc/$pid/mountinfo" ||
  die "the sidecar's root is not mounted read-only"
say "pid $pid: root $rootfs (read-only), uid/gid 65532"

# The image's HEALTHCHECK command, run in the same root as the same user.
chroot --userspec=65532:65532 "/proc/$pid/root" /usr/local/bin/freedompay-sidecar healthcheck "${healthcheck_flags[@]}" ||
  die "the image's HEALTHCHECK (freedompay-sidecar healthcheck) failed"
say "HEALTHCHECK (freedompay-sidecar healthcheck) passes"

# --- a refund from the host ---
status="$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' \
  "http://127.0.0.1:$listen_port/v5/g2g/edit" \
  -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: prove-runtime-image-1' \
  -d '{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}')" || die "curl could not reach the sidecar"
if [[ "$status" != 200 ]] || ! grep -q '"refund_payment"' "$work/body" ||
  ! grep -qi '^x-freedompay-sandbox: emulated' "$work/headers" || ! grep -qi '^x-request-id: ' "$work/headers"; then
  cat "$work/headers" "$work/body" >&2
  cat "$work/sidecar.log" >&2
  die "the refund did not get the sandbox's 200"
fi
say "refund: HTTP $status $(tr -d '\r' <"$work/headers" | grep -i '^x-request-id:') $(cat "$work/body")"

# --- SIGTERM: drain and exit 0 ---
kill -TERM "$pid"
for _ in $(seq 1 300); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
  cat "$work/sidecar.log" >&2
  die "the sidecar did not exit within 30 s of SIGTERM"
fi
rc=0
wait "$pid" || rc=$?
pid=""
if ((rc != 0)); then
  cat "$work/sidecar.log" >&2
  die "the sidecar exited with $rc after SIGTERM (expected 0)"
fi
grep -q '"level":"error"\|"level":"critical"' "$work/sidecar.log" && {
  cat "$work/sidecar.log" >&2
  die "the sidecar logged an error"
}
say "SIGTERM: exit 0"
say "OK: the runtime stage ($base + ${packages[*]}) runs ${version} as 65532 with a read-only root"
