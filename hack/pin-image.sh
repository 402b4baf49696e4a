#!/usr/bin/env bash
# Rewrites the Dockerfile's BASE_IMAGE to <tag>@sha256:<digest of the tag's image index now>.
# Needs `docker buildx` (or `crane`) and access to the registry. Review the diff, build, commit.
set -euo pipefail
cd "$(dirname "$0")/.."
line=$(grep -m1 '^ARG BASE_IMAGE=' Dockerfile) || { echo "pin-image: no ARG BASE_IMAGE= in Dockerfile" >&2; exit 1; }
ref=${line#ARG BASE_IMAGE=}
tag=${ref%@*}
if command -v crane >/dev/null; then
  digest=$(crane digest "$tag")
else
  digest=$(docker buildx imagetools inspect "$tag" --format '{{json .Manifest}}' \
           | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
fi
[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "pin-image: no digest for $tag (got '$digest')" >&2; exit 1; }
sed -i "s|^ARG BASE_IMAGE=.*|ARG BASE_IMAGE=$tag@$digest|" Dockerfile
echo "pin-image: $tag@$digest (update the provenance comment above it)"
