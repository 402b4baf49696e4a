"""`osprey run | render | crd | version`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import yaml

from osprey import __version__
from osprey.logging import FORMATS, LEVELS


def _run(args: argparse.Namespace) -> int:
    from osprey import handlers
    from osprey.logging import configure_logging
    from osprey.runtime import Runtime, Settings
    from osprey.service import run_operator

    configure_logging(args.log_level, args.log_format)
    settings = Settings(
        namespaces=tuple(args.namespace or ()),
        kubeconfig=args.kubeconfig,
        helm_executable=args.helm,
        helm_timeout=args.helm_timeout,
        max_parallel_helm=args.max_parallel_helm,
        resync_seconds=args.resync_seconds,
        metrics_port=args.metrics_port or None,
        liveness_port=args.liveness_port or None,
        peering=args.peering,
    )

    async def main() -> None:
        runtime = Runtime(settings, events=handlers.post_event)
        if settings.metrics_port:
            runtime.metrics.serve(settings.metrics_port)
        await run_operator(settings, runtime=runtime)

    asyncio.run(main())
    return 0


def _mask(values, credentials: set[str]):
    if isinstance(values, dict):
        return {k: _mask(v, credentials) for k, v in values.items()}
    if isinstance(values, list):
        return [_mask(v, credentials) for v in values]
    if isinstance(values, str) and any(c and c in values for c in credentials):
        return "********"
    return values


def _render(args: argparse.Namespace) -> int:
    from osprey import catalog
    from osprey.api import SpecError, validate_spec
    from osprey.plan import plan
    from osprey.secrets import generate_password

    docs = [d for d in yaml.safe_load_all(Path(args.file).read_text()) if d]
    if len(docs) != 1 or docs[0].get("kind") != "OpenStackControlPlane":
        print(f"{args.file}: expected one OpenStackControlPlane document", file=sys.stderr)
        return 2
    resource = docs[0]
    try:
        spec = validate_spec(resource.get("spec"), name=(resource.get("metadata") or {}).get("name"))
    except SpecError as exc:
        print(f"{args.file}: invalid spec:\n{exc}", file=sys.stderr)
        return 2
    namespace = args.namespace or resource.get("metadata", {}).get("namespace") or "openstack"
    # Placeholders stand in for the generated passwords, which live only in the cluster.
    credentials = {key: generate_password() for key in catalog.credential_keys(spec)}
    desired = plan(spec, namespace, credentials)
    secrets = set(credentials.values())
    out = {
        "namespace": namespace,
        "releases": [
            {
                "name": r.name,
                "chart": r.chart.name,
                "version": r.chart.version,
                "repository": r.chart.repository,
                "dependsOn": {"ready": list(r.requires_ready), "installed": list(r.requires_installed)},
                "values": _mask(r.values, secrets),
            }
            for r in desired.releases
        ],
    }
    if args.output == "json":
        print(json.dumps(out, indent=2))
    else:
        print(yaml.safe_dump(out, sort_keys=False), end="")
    return 0


def _crd(args: argparse.Namespace) -> int:
    from osprey.api.crd import crd_yaml

    print(crd_yaml(), end="")
    return 0


def _version(args: argparse.Namespace) -> int:
    print(__version__)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="osprey", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the operator")
    run.add_argument("--namespace", action="append",
                     help="watch this namespace (repeatable); default: every namespace")
    run.add_argument("--kubeconfig", help="kubeconfig file; default: $KUBECONFIG or in-cluster")
    run.add_argument("--helm", default="helm", help="helm binary")
    run.add_argument("--helm-timeout", default="20m", help="timeout of one helm operation")
    run.add_argument("--max-parallel-helm", type=int, default=8,
                     help="helm operations at once, across all control planes")
    run.add_argument("--resync-seconds", type=float, default=300.0,
                     help="look at every control plane at least this often")
    run.add_argument("--metrics-port", type=int, default=9090, help="0 disables /metrics")
    run.add_argument("--liveness-port", type=int, default=8080, help="0 disables /healthz")
    run.add_argument("--log-level", default="info", choices=list(LEVELS))
    run.add_argument("--log-format", default="logfmt", choices=list(FORMATS))
    run.add_argument("--peering", action="store_true",
                     help="coordinate several replicas with Kopf peering")
    run.set_defaults(func=_run)

    render = sub.add_parser("render", help="print the plan and values for a resource, offline")
    render.add_argument("file", help="a YAML file with one OpenStackControlPlane")
    render.add_argument("--namespace", help="namespace to render for (default: the resource's)")
    render.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml")
    render.set_defaults(func=_render)

    crd = sub.add_parser("crd", help="print the CustomResourceDefinition")
    crd.set_defaults(func=_crd)

    version = sub.add_parser("version", help="print the version")
    version.set_defaults(func=_version)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
