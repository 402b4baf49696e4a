#!/usr/bin/env bash
# End-to-end test on a real cluster: a kind cluster, the operator image built and loaded into
# it, the chart installed, the minimal sample applied, and a wait until it is Ready.
# Where there is no Docker engine or no kind binary it prints why and exits 0 (skipped).
#
# Environment:
#   OSPREY_E2E_CLUSTER  kind cluster name (default osprey-e2e)
#   OSPREY_E2E_KEEP=1   keep the cluster afterwards (default: delete it if this script made it)
#   OSPREY_E2E_TIMEOUT  how long to wait for Ready (default 60m: images are pulled from scratch)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cluster=${OSPREY_E2E_CLUSTER:-osprey-e2e}
keep=${OSPREY_E2E_KEEP:-0}
timeout=${OSPREY_E2E_TIMEOUT:-60m}
image=osprey:e2e
operator_ns=osprey-system
cp_ns=openstack
helm="$root/bin/helm"
kubectl="$root/bin/kubectl"

skip() { echo "e2e skipped: $*"; exit 0; }
log() { echo "e2e: $*"; }

command -v docker >/dev/null 2>&1 || skip "no Docker engine (docker is not installed)"
docker info >/dev/null 2>&1 || skip "no Docker engine (docker info failed)"
command -v kind >/dev/null 2>&1 || skip "kind is not installed (https://kind.sigs.k8s.io)"
[ -x "$helm" ] && [ -x "$kubectl" ] || { echo "e2e: bin/helm or bin/kubectl missing: run make install" >&2; exit 1; }

work=$(mktemp -d)
export KUBECONFIG="$work/kubeconfig"
created=0

report() {
  log "status of the control plane and the operator's last logs"
  "$kubectl" -n "$cp_ns" get openstackcontrolplanes -o yaml || true
  "$kubectl" -n "$cp_ns" get pods,jobs || true
  "$kubectl" -n "$operator_ns" logs deploy/osprey --tail=200 || true
}

cleanup() {
  rc=$?
  [ $rc -ne 0 ] && report
  if [ "$created" = 1 ] && [ "$keep" != 1 ]; then
    log "deleting kind cluster $cluster"
    kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT

if kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  log "reusing kind cluster $cluster"
else
  log "creating kind cluster $cluster"
  kind create cluster --name "$cluster" --config "$root/deploy/kind/cluster.yaml" --wait 180s
  created=1
fi
kind get kubeconfig --name "$cluster" > "$KUBECONFIG"

log "building and loading $image"
docker build --tag "$image" "$root"
kind load docker-image "$image" --name "$cluster"

log "installing the chart"
"$helm" upgrade --install osprey "$root/charts/osprey" \
  --namespace "$operator_ns" --create-namespace \
  --set image.repository=osprey --set image.tag=e2e --set image.pullPolicy=Never \
  --set logLevel=debug --wait --timeout 5m

log "applying deploy/samples/minimal.yaml"
"$kubectl" create namespace "$cp_ns" --dry-run=client -o yaml | "$kubectl" apply -f -
"$kubectl" -n "$cp_ns" apply -f "$root/deploy/samples/minimal.yaml"

log "waiting up to $timeout for Ready"
"$kubectl" -n "$cp_ns" wait openstackcontrolplanes --all --for=condition=Ready --timeout="$timeout"
"$kubectl" -n "$cp_ns" get openstackcontrolplanes
log "passed"
