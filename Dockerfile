# syntax=docker/dockerfile:1

# ---- build: the release binary, Swift runtime linked statically ----
FROM swift:6.2-bookworm AS build

# OpenSSL is the upstream client's TLS (linked dynamically; its runtime is libssl3 below).
RUN apt-get update \
    && apt-get install -y --no-install-recommends 'libssl-dev=3.0.*' \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Dependencies first, so that source edits do not re-fetch them. Package.resolved is
# optional (the bracket glob lets COPY succeed when it is absent).
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve

COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product freedompay-sidecar \
    && install -D -m 0755 .build/release/freedompay-sidecar /out/freedompay-sidecar

# ---- runtime: glibc + libssl3 + CA roots, nothing else ----
FROM debian:bookworm-slim

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
