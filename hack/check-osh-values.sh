#!/usr/bin/env bash
# Render Osprey's golden values (tests/unit/golden/<sample>/<chart>.yaml) into the real
# OpenStack-Helm charts with `helm template`, and check that each chart renders exactly the
# workloads the catalog entry says it owns.
#
# Usage: hack/check-osh-values.sh [SOURCE] [REF...]
#   SOURCE  an OpenStack-Helm git directory (e.g. a bare mirror) or a checkout of the charts;
#           defaults to $OSH_CHARTS. The charts are copied to a temp dir, never into this repo.
#   REF     git refs to check when SOURCE is a git directory (default: 2025.1.0 2025.2.0,
#           the chart versions the release catalogs pin).
# SAMPLES="a b" limits the check to those samples of tests/unit/golden (default: all).
# Exit status is non-zero if any chart fails to render or its workloads differ.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELM="${HELM:-$ROOT/bin/helm}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
SOURCE="${1:-${OSH_CHARTS:-}}"
[[ -n "$SOURCE" ]] || { echo "usage: $0 SOURCE [REF...] (or set OSH_CHARTS)" >&2; exit 2; }
shift || true
REFS=("$@")
CHARTS=(mariadb rabbitmq memcached keystone glance placement openvswitch libvirt neutron ovn
        nova horizon heat cinder barbican octavia)

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

export_tree() {  # export_tree <dest> [ref]: the charts plus helm-toolkit into <dest>
  local dest="$1" ref="${2:-}"
  mkdir -p "$dest"
  if [[ -n "$ref" ]]; then
    git -C "$SOURCE" archive "$ref" helm-toolkit "${CHARTS[@]}" | tar -x -C "$dest"
  else
    for chart in helm-toolkit "${CHARTS[@]}"; do cp -r "$SOURCE/$chart" "$dest/"; done
  fi
  for chart in "${CHARTS[@]}"; do
    mkdir -p "$dest/$chart/charts"
    cp -r "$dest/helm-toolkit" "$dest/$chart/charts/"
  done
}

if git -C "$SOURCE" rev-parse --git-dir >/dev/null 2>&1 && [[ ! -f "$SOURCE/nova/Chart.yaml" ]]; then
  [[ ${#REFS[@]} -gt 0 ]] || REFS=(2025.1.0 2025.2.0)
  for ref in "${REFS[@]}"; do export_tree "$WORK/trees/$ref" "$ref"; done
else
  REFS=(worktree)
  export_tree "$WORK/trees/worktree"
fi

failures=0
for ref in "${REFS[@]}"; do
  tree="$WORK/trees/$ref"
  version="$(git -C "$SOURCE" rev-parse --short "$ref^{commit}" 2>/dev/null || echo "-")"
  for sample_dir in "$ROOT"/tests/unit/golden/*/; do
    sample="$(basename "$sample_dir")"
    [[ -z "${SAMPLES:-}" || " $SAMPLES " == *" $sample "* ]] || continue
    for chart in "${CHARTS[@]}"; do
      values="$sample_dir/$chart.yaml"
      [[ -f "$values" ]] || continue
      out="$WORK/out/$ref/$sample/$chart.yaml"
      mkdir -p "$(dirname "$out")"
      if ! "$HELM" template "$chart" "$tree/$chart" --namespace openstack -f "$values" \
          >"$out" 2>"$out.err"; then
        echo "FAIL  $ref ($version) $sample/$chart: helm template: $(tr '\n' ' ' <"$out.err")"
        failures=$((failures + 1))
        continue
      fi
      if verdict="$("$PYTHON" - "$sample_dir/spec.yaml" "$chart" "$out" "$tree/$chart/Chart.yaml" <<'PY'
import sys
import yaml
from osprey.api.spec import ControlPlaneSpec
from osprey.catalog import entry

spec_path, chart, manifest, chart_yaml = sys.argv[1:]
spec = ControlPlaneSpec.model_validate(yaml.safe_load(open(spec_path)) or {})
# Judge the workloads by the version of the chart actually rendered.
version = yaml.safe_load(open(chart_yaml))["version"]
spec = spec.model_copy(update={"charts": spec.charts.model_copy(update={"version": version})})
kinds = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
rendered = set()
for doc in yaml.safe_load_all(open(manifest)):
    if not doc or doc.get("kind") not in kinds:
        continue
    annotations = doc["metadata"].get("annotations") or {}
    if doc["kind"] == "Job" and "helm.sh/hook" in annotations:
        continue  # hooks: Helm itself waits for them
    rendered.add((doc["kind"], doc["metadata"]["name"]))
expected = {(w.kind, w.name) for w in entry(chart).workloads(spec)}
if rendered != expected:
    print(f"workloads differ: only rendered {sorted(rendered - expected)}, "
          f"only in catalog {sorted(expected - rendered)}")
    sys.exit(1)
# spec.endpoints and spec.images: the public Ingresses and every image.
from osprey.catalog.values.exposure import PUBLIC_ENDPOINTS, public_tls_secret
docs = [d for d in yaml.safe_load_all(open(manifest)) if d]
ingresses = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Ingress"}
problems, checked = [], []
if spec.publicDomain and (spec.endpoints.tls or spec.endpoints.ingressClassName):
    for endpoint in PUBLIC_ENDPOINTS.values():
        if endpoint.service != chart or endpoint.network is None:
            continue
        name = f"{endpoint.host}-namespace-fqdn"
        ingress = ingresses.get(name)
        if ingress is None:
            problems.append(f"no Ingress {name}")
            continue
        checked.append(name)
        if f"{endpoint.host}-cluster-fqdn" in ingresses:
            problems.append(f"{endpoint.host}-cluster-fqdn rendered too")
        cls = spec.endpoints.ingressClassName
        if cls and ingress["spec"].get("ingressClassName") != cls:
            problems.append(f"{name} class {ingress['spec'].get('ingressClassName')}")
        if spec.endpoints.tls:
            want = [{"secretName": public_tls_secret(endpoint, spec),
                     "hosts": [f"{endpoint.host}.{spec.publicDomain}"]}]
            if ingress["spec"].get("tls") != want:
                problems.append(f"{name} tls {ingress['spec'].get('tls')}")
            issuer = spec.endpoints.tls.issuerRef
            notes = ingress["metadata"].get("annotations") or {}
            if issuer and issuer.name not in notes.values():
                problems.append(f"{name} lacks the issuer annotation")
if spec.images.registry:
    for d in docs:
        pod = (d.get("spec") or {}).get("template", {}).get("spec") or (
            (d.get("spec") or {}).get("jobTemplate", {}).get("spec", {}).get("template", {})
            .get("spec"))
        if not pod:
            continue
        where = f"{d['kind']}/{d['metadata']['name']}"
        for c in pod.get("initContainers", []) + pod.get("containers", []):
            if not c["image"].startswith(spec.images.registry + "/"):
                problems.append(f"{where} {c['name']} {c['image']}")
    checked.append("images")
if problems:
    print("; ".join(problems))
    sys.exit(1)
print(f"{len(rendered)} workloads" + (f", checked {', '.join(checked)}" if checked else ""))
PY
)"; then
        echo "ok    $ref ($version) $sample/$chart: $verdict"
      else
        echo "FAIL  $ref ($version) $sample/$chart: $verdict"
        failures=$((failures + 1))
      fi
    done
  done
done
echo "$failures failure(s)"
[[ $failures -eq 0 ]]
