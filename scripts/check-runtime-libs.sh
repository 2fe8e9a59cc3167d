#!/usr/bin/env bash
# Proves that a release binary needs only the shared libraries that the runtime image
# provides: those of debian:bookworm-slim plus the packages the Dockerfile's last stage
# installs (with their recursive dependencies). Also proves the Swift runtime is linked
# statically (no libswiftCore, libFoundation*, libdispatch ... needed at run time).
#
#   scripts/check-runtime-libs.sh BINARY [DOCKERFILE]
#
# Run it on a Debian bookworm machine (the image's base): ldd resolves libraries on this
# host, dpkg maps them to this host's packages, apt-cache computes the dependency closure.
set -euo pipefail

usage() { echo "usage: $0 BINARY [DOCKERFILE]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
binary="$1"
dockerfile="${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/Dockerfile}"
[[ -f "$binary" ]] || { echo "no such binary: $binary" >&2; exit 2; }
[[ -f "$dockerfile" ]] || { echo "no such Dockerfile: $dockerfile" >&2; exit 2; }
for tool in ldd dpkg apt-cache readelf; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done

# Binary packages of debian:bookworm-slim (its dpkg list, 2025-2026 builds).
base_packages=(
  adduser apt base-files base-passwd bash bsdutils coreutils dash debconf
  debian-archive-keyring debianutils diffutils dpkg e2fsprogs findutils gcc-12-base gpgv
  grep gzip hostname init-system-helpers libacl1 libapt-pkg6.0 libattr1 libaudit-common
  libaudit1 libblkid1 libbz2-1.0 libc-bin libc6 libcap-ng0 libcap2 libcom-err2 libcrypt1
  libdb5.3 libdebconfclient0 libext2fs2 libffi8 libgcc-s1 libgcrypt20 libgmp10
  libgnutls30 libgpg-error0 libhogweed6 libidn2-0 liblz4-1 liblzma5 libmd0 libmount1
  libnettle8 libp11-kit0 libpam-modules libpam-modules-bin libpam-runtime libpam0g
  libpcre2-8-0 libseccomp2 libselinux1 libsemanage-common libsemanage2 libsepol2
  libsmartcols1 libss2 libstdc++6 libsystemd0 libtasn1-6 libtinfo6 libudev1
  libunistring2 libuuid1 libxxhash0 libzstd1 login logsave mawk mount ncurses-base
  ncurses-bin passwd perl-base sed sysvinit-utils tar tzdata usr-is-merged util-linux
  util-linux-extra zlib1g
)

fail=0
problem() { echo "FAIL: $*" >&2; fail=1; }

# --- the Dockerfile's runtime packages: the apt-get install of its last stage ---
runtime_packages=()
while IFS= read -r pkg; do
  [[ -n "$pkg" ]] && runtime_packages+=("$pkg")
done < <(
  awk '/^FROM[ \t]/ { stage = "" } { stage = stage $0 "\n" } END { printf "%s", stage }' "$dockerfile" |
    sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' |
    grep -o 'apt-get install[^&;|]*' |
    tr -s ' \t' '\n' |
    grep -v -e '^-' -e '^apt-get$' -e '^install$' |
    sed -e "s/^['\"]//" -e "s/['\"]\$//" -e 's/=.*//' |
    sort -u
)
((${#runtime_packages[@]} > 0)) || { echo "no apt-get install found in the last stage of $dockerfile" >&2; exit 2; }

codename="$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null)"
if [[ "$codename" != bookworm ]]; then
  echo "WARNING: this host is '${codename:-unknown}', the image is bookworm: package names may differ" >&2
fi

if ! apt-cache show "${runtime_packages[0]}" >/dev/null 2>&1; then
  if [[ $EUID -eq 0 ]]; then
    apt-get update -qq
  else
    echo "apt-cache knows no '${runtime_packages[0]}': run 'apt-get update' first" >&2
    exit 2
  fi
fi

declare -A origin=()
for p in "${base_packages[@]}"; do origin[$p]="bookworm-slim"; done
while IFS= read -r p; do
  p="${p#<}"; p="${p%>}"; p="${p%%:*}"
  [[ -n "$p" && -z "${origin[$p]:-}" ]] && origin[$p]="dependency"
done < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances "${runtime_packages[@]}" | grep -v '^ ')
for p in "${runtime_packages[@]}"; do origin[$p]="Dockerfile"; done

# --- the Swift runtime must not be a shared library dependency ---
swift_libs='^(libswift[A-Za-z_]*|libFoundation[A-Za-z]*|lib_Foundation[A-Za-z]*|libdispatch|libBlocksRuntime|libXCTest|libTesting)\.so'
needed="$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
if grep -Eq "$swift_libs" <<<"$needed"; then
  problem "Swift runtime linked dynamically: $(grep -E "$swift_libs" <<<"$needed" | tr '\n' ' ')"
fi

# --- every library ldd resolves must come from an allowed package ---
usr_toggle() {
  case "$1" in
    /usr/lib/* | /usr/lib64/*) echo "${1#/usr}" ;;
    /lib/* | /lib64/*) echo "/usr$1" ;;
    *) echo "$1" ;;
  esac
}
package_of() {
  local path="$1" real candidate
  real="$(readlink -f "$path")"
  for candidate in "$path" "$(usr_toggle "$path")" "$real" "$(usr_toggle "$real")"; do
    if out="$(dpkg -S "$candidate" 2>/dev/null)"; then
      sed -n 's/^\([^ ]*\): \/.*/\1/p' <<<"$out" | head -n1 | tr ',' '\n' | sed 's/:.*//' | paste -sd, -
      return 0
    fi
  done
  return 1
}

ldd_out="$(ldd "$binary" 2>&1)" || { echo "$ldd_out" >&2; problem "ldd failed on $binary"; exit 1; }

printf '%-28s %-48s %-22s %s\n' LIBRARY PATH PACKAGE ALLOWED-BY
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"
  [[ -z "$line" ]] && continue
  if [[ "$line" == *"not found"* ]]; then
    problem "unresolved: $line"
    continue
  fi
  if [[ "$line" == *" => "* ]]; then
    soname="${line%% => *}"; path="${line#* => }"; path="${path%% (*}"
  else
    path="${line%% (*}"; soname="$(basename "$path")"
  fi
  [[ "$path" != /* ]] && continue # linux-vdso: provided by the kernel
  if grep -Eq "$swift_libs" <<<"$soname"; then
    problem "Swift runtime library resolved: $soname"
  fi
  if ! pkgs="$(package_of "$path")"; then
    printf '%-28s %-48s %-22s %s\n' "$soname" "$path" "?" "NOT IN ANY PACKAGE"
    problem "$path belongs to no Debian package"
    continue
  fi
  allowed=""
  for pkg in ${pkgs//,/ }; do
    [[ -n "${origin[$pkg]:-}" ]] && { allowed="${origin[$pkg]}"; break; }
  done
  printf '%-28s %-48s %-22s %s\n' "$soname" "$path" "$pkgs" "${allowed:-NOT ALLOWED}"
  [[ -n "$allowed" ]] || problem "$soname comes from $pkgs, which the runtime image does not install"
done <<<"$ldd_out"

echo
echo "runtime packages from $(basename "$dockerfile"): ${runtime_packages[*]}"
if ((fail)); then
  echo "check-runtime-libs: FAILED" >&2
  exit 1
fi
echo "check-runtime-libs: OK (${binary} needs only bookworm-slim + ${runtime_packages[*]})"
