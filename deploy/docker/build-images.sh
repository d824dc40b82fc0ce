#!/usr/bin/env bash
# Builds the Dyad images (four servers, the CLI and the web front) from the repository root with one shared build
# stage (BuildKit caches it, so the sources compile once for all).
#
#   deploy/docker/build-images.sh                 # dyad-<service>:dev
#   deploy/docker/build-images.sh 0.1.0           # dyad-<service>:0.1.0
#   REGISTRY=registry.internal/dyad PUSH=1 deploy/docker/build-images.sh 0.1.0
#
# Environment: REGISTRY (prefix, e.g. registry.internal/dyad), PUSH=1 to push,
# DOCKER (default docker; podman works too), DYAD_JOBS (parallel compile jobs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tag="${1:-dev}"
docker="${DOCKER:-docker}"
prefix="${REGISTRY:+${REGISTRY%/}/}"
export DOCKER_BUILDKIT=1

for svc in events economics institutions gateway cli web; do
  image="${prefix}dyad-${svc}:${tag}"
  echo "==> ${image}"
  "$docker" build \
    -f "$here/deploy/docker/Dockerfile" \
    --target "dyad-${svc}" \
    --build-arg "IMAGE_VERSION=${tag}" \
    ${DYAD_JOBS:+--build-arg "DYAD_JOBS=${DYAD_JOBS}"} \
    -t "$image" \
    "$here"
  if [ "${PUSH:-0}" = 1 ]; then
    "$docker" push "$image"
  fi
done
