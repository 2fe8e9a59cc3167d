# syntax=docker/dockerfile:1

# Base images are pinned by digest (the multi-platform index digest; the tag is kept for
# readers, the digest is what is pulled). Both come from docker-library/repo-info
# (repos/swift/remote/6.3-bookworm.md, repos/debian/remote/bookworm-20260918-slim.md), the
# Debian 12 build of 2026-09-18 that both images share. To update: take the new index
# digests from there (or `docker buildx imagetools inspect TAG`) and bump both together.

# ---- build: the release binary, Swift runtime linked statically ----
# swift:6.3-bookworm (Swift 6.3.3; CI builds and tests with Swift 6.3)
FROM swift:6.3-bookworm@sha256:7060a792f4cd9eaa0d00826d941cec00ab8d252d33b8b28bc8e105f51f2dba73 AS build

# OpenSSL is the upstream client's TLS (linked dynamically; its runtime is libssl3 below).
RUN apt-get update \
    && apt-get install -y --no-install-recommends 'libssl-dev=3.0.*' \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Dependencies first, so that source edits do not re-fetch them. Package.resolved pins
# every dependency (the bracket glob only keeps COPY working in a tree without it).
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve

COPY Sources ./Sources
COPY Tests ./Tests
# The version --version, the logs, User-Agent and /metrics report (a development default
# when not given).
ARG VERSION=0.1.0-dev
COPY scripts/set-build-version.sh ./scripts/
RUN ./scripts/set-build-version.sh "$VERSION" \
    && swift build -c release --static-swift-stdlib --product freedompay-sidecar \
    && install -D -m 0755 .build/release/freedompay-sidecar /out/freedompay-sidecar

# ---- runtime: glibc + libssl3 + CA roots, nothing else ----
# debian:bookworm-slim (dated tag bookworm-20260918-slim). scripts/prove-runtime-image.sh
# builds this stage's root filesystem from Debian's packages and runs the binary in it.
FROM debian:bookworm-slim@sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251

# OCI annotations, from build arguments (README, "Container"):
#   docker build --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg SOURCE="$(git remote get-url origin)" --build-arg LICENSES=<SPDX> .
# The repository declares no licence yet, hence SPDX's NOASSERTION by default.
ARG VERSION=0.1.0-dev
ARG REVISION=unknown
ARG SOURCE=""
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="freedompay-sidecar" \
      org.opencontainers.image.description="Signs Freedom Pay v5 API requests for an app in the same pod" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="${LICENSES}"

# libssl3 stays on bookworm's 3.0 series (the one the binary was linked against).
# ca-certificates is left unpinned on purpose: the trust store must track Debian's updates,
# and Debian stable keeps only the newest revision, so an exact pin would break rebuilds.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends 'libssl3=3.0.*' ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 65532 sidecar \
    && useradd --system --uid 65532 --gid 65532 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin sidecar

COPY --from=build /out/freedompay-sidecar /usr/local/bin/freedompay-sidecar

USER 65532:65532

# 18080: the signing proxy, 19090: /healthz /readyz /metrics (not 8080/9090, the usual app
# ports: a sidecar shares the pod's network namespace with the app). Both listen on 127.0.0.1 by
# default (right for a Kubernetes pod, whose containers share loopback); a setup where the
# app runs in another network namespace (docker compose) passes --listen 0.0.0.0:18080.
EXPOSE 18080 19090

HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["freedompay-sidecar", "healthcheck"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["freedompay-sidecar"]
# No flags here: flags override FREEDOMPAY_* variables and the config file.
CMD ["serve"]
