"""`osprey run | render | crd | version`.

A mistake of the user (a file that is not there, a port taken, an invalid spec) is one line on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import logging
import os
import shutil
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

import yaml

from osprey import __version__
from osprey.helm import DEFAULT_TIMEOUT
from osprey.logging import FORMATS, LEVELS

log = logging.getLogger("osprey")

DESCRIPTION = """\
Osprey runs an OpenStack control plane on Kubernetes from one OpenStackControlPlane resource.

commands:
  run       run the operator (every namespace, $KUBECONFIG, metrics :9090, /healthz :8080)
  render    print what a resource file would install (releases, versions, values), offline
  crd       print the OpenStackControlPlane CustomResourceDefinition
  version   print the version"""


class UsageError(Exception):
    """Something the user can fix; printed as one line, exit status 2."""


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


# Helm's names for its Secret storage driver (and its default, unset or empty).
SECRET_DRIVERS = ("", "secret", "secrets")


def _check_helm_driver(environ: Mapping[str, str]) -> None:
    """Passes read Helm's records from its storage Secrets: a helm that keeps them elsewhere
    (HELM_DRIVER configmap, sql, memory) would leave every release looking uninstalled."""
    driver = environ.get("HELM_DRIVER", "")
    if driver not in SECRET_DRIVERS:
        raise UsageError(
            f"HELM_DRIVER={driver} is not supported: Osprey reads Helm's release records from "
            "its storage Secrets; unset HELM_DRIVER or set it to secret"
        )


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {text!r}")
    return value


def _check_run_args(args: argparse.Namespace) -> None:
    _check_helm_driver(os.environ)
    for flag, port in (("--metrics-port", args.metrics_port),
                       ("--liveness-port", args.liveness_port)):
        if port and _port_taken(port):
            raise UsageError(f"port {port} in use (set {flag})")
    if shutil.which(args.helm) is None:
        raise UsageError(f"helm binary {args.helm!r} not found (set --helm, or put helm 4 on PATH)")


def _run(args: argparse.Namespace) -> int:
    import kubernetes

    from osprey import handlers
    from osprey.leadership import LeadershipLost
    from osprey.logging import configure_logging
    from osprey.policy import DEFAULT_DENIED_VALUES_KEYS, Policy
    from osprey.runtime import Runtime, Settings
    from osprey.service import run_operator

    _check_run_args(args)
    configure_logging(args.log_level, args.log_format)
    settings = Settings(
        namespaces=tuple(args.namespace or ()),
        kubeconfig=args.kubeconfig,
        policy=Policy(
            chart_repositories=tuple(args.allow_chart_repository or Policy().chart_repositories),
            local_chart_roots=tuple(args.local_charts_root or ()),
            denied_values_keys=tuple(dict.fromkeys(
                (*DEFAULT_DENIED_VALUES_KEYS, *(args.deny_values_key or ())))),
        ),
        helm_executable=args.helm,
        helm_timeout=args.helm_timeout,
        max_parallel_helm=args.max_parallel_helm,
        resync_seconds=args.resync_seconds,
        pass_interval_seconds=args.pass_interval_seconds,
        metrics_port=args.metrics_port or None,
        liveness_port=args.liveness_port or None,
        lease=_lease(args),
        shard=_shard(args.shard),
        drain_seconds=args.drain_seconds,
        watch_cache=not args.no_watch_cache,
    )

    async def main() -> int:
        try:
            runtime = Runtime(settings, events=handlers.post_event)
        except kubernetes.config.ConfigException as exc:
            raise UsageError(
                f"no cluster to talk to: {exc} (set --kubeconfig or KUBECONFIG)") from None
        if settings.metrics_port:
            try:
                runtime.metrics.serve(settings.metrics_port)
            except OSError as exc:  # taken since the check above
                raise UsageError(f"port {settings.metrics_port} in use (set --metrics-port)"
                                 if exc.errno == errno.EADDRINUSE else str(exc)) from None
        log.info("osprey %s watching %s; metrics %s, /healthz %s", __version__,
                 ", ".join(settings.namespaces) or "every namespace",
                 f"on :{settings.metrics_port}" if settings.metrics_port else "off",
                 f"on :{settings.liveness_port}" if settings.liveness_port else "off")
        try:
            await run_operator(settings, runtime=runtime)
        except LeadershipLost as exc:  # another replica may be acting: stop, be restarted
            log.error("exiting: %s", exc)
            return 1
        return 0

    return asyncio.run(main())


def _lease(args: argparse.Namespace):
    from osprey.leadership import LeaseConfig, LeaseTiming, LeaseTimingError

    if not args.leader_elect:
        return None
    try:
        timing = LeaseTiming(args.lease_duration, args.renew_deadline, args.retry_period)
    except LeaseTimingError as exc:
        raise UsageError(str(exc)) from None
    namespace = args.lease_namespace or os.environ.get("POD_NAMESPACE") or "default"
    identity = args.identity or os.environ.get("POD_NAME") or socket.gethostname()
    return LeaseConfig(namespace=namespace, identity=identity, name=args.lease_name,
                       timing=timing)


def _shard(text: str | None):
    from osprey.sharding import Shard, ShardError

    if text is None:
        return None
    try:
        return Shard.parse(text)
    except ShardError as exc:
        raise UsageError(f"--shard: {exc}") from None


VALUES_SOURCES = ("Secret", "ConfigMap")


def _upgrade(spec, namespace: str, credentials, source: str, file: str, values_from) -> dict:
    from osprey.plan import PlanError
    from osprey.upgrade.plan import UpgradeRefused, describe, upgrade_plan

    if source == spec.openstackRelease.value:
        raise UsageError(f"{file}: spec.openstackRelease is {source} already: nothing to "
                         "upgrade (give the release deployed now to --upgrade-from)")
    try:
        plan = upgrade_plan(spec, namespace, credentials, source, values_from)
    except (UpgradeRefused, PlanError) as exc:
        raise UsageError(f"{file}: {_one_line(exc)}") from None
    return {"namespace": namespace, "upgrade": describe(plan)}


def _render(args: argparse.Namespace) -> int:
    from osprey import catalog
    from osprey.api import SpecError, validate_spec
    from osprey.masking import mask_values
    from osprey.plan import PlanError, plan
    from osprey.secrets import generate_password
    from osprey.valuesfrom import ValuesFromError, decode_data, resolve

    try:
        docs = [d for d in yaml.safe_load_all(Path(args.file).read_text()) if d]
    except OSError as exc:
        raise UsageError(f"{args.file}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"{args.file}: not YAML: {_one_line(exc)}") from None
    planes = [d for d in docs if isinstance(d, dict) and d.get("kind") == "OpenStackControlPlane"]
    others = [d for d in docs if d not in planes]
    if len(planes) != 1 or any(not isinstance(d, dict) or d.get("kind") not in VALUES_SOURCES
                               for d in others):
        raise UsageError(f"{args.file}: expected one OpenStackControlPlane document (and the "
                         "Secrets and ConfigMaps its valuesFrom reads)")
    resource = planes[0]
    try:
        spec = validate_spec(resource.get("spec"),
                             name=(resource.get("metadata") or {}).get("name"))
    except SpecError as exc:  # one line per problem
        raise UsageError(f"{args.file}: invalid spec:\n{exc}") from None
    namespace = args.namespace or resource.get("metadata", {}).get("namespace") or "openstack"
    # Placeholders stand in for the generated passwords, which live only in the cluster.
    credentials = {key: generate_password() for key in catalog.credential_keys(spec)}
    charts = [entry.name for entry in catalog.enabled_entries(spec)]
    sources = {(d["kind"], (d.get("metadata") or {}).get("name")): decode_data(d) for d in others}
    try:
        resolved = resolve(spec, charts, sources, absent_ok=True)
        desired = plan(spec, namespace, credentials, resolved.charts)
    except ValuesFromError as exc:
        raise UsageError(f"{args.file}: invalid valuesFrom:\n{exc}") from None
    except PlanError as exc:
        raise UsageError(f"{args.file}: {_one_line(exc)}") from None
    secrets = set(credentials.values()) | resolved.secret_strings
    if args.upgrade_from:
        out = _upgrade(spec, namespace, credentials, args.upgrade_from, args.file,
                       resolved.charts)
    else:
        out = {
            "namespace": namespace,
            "releases": [
                {
                    "name": r.name,
                    "chart": r.chart.name,
                    "version": r.chart.version,
                    "repository": r.chart.repository,
                    "dependsOn": {"ready": list(r.requires_ready),
                                  "installed": list(r.requires_installed)},
                    "values": mask_values(r.values, secrets=secrets,
                                          paths=resolved.secret_paths(r.name)),
                }
                for r in desired.releases
            ],
        }
    if args.output == "json":
        print(json.dumps(out, indent=2))
    else:
        print(yaml.safe_dump(out, sort_keys=False), end="")
    return 0


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _crd(args: argparse.Namespace) -> int:
    from osprey.api.crd import crd_yaml

    print(crd_yaml(), end="")
    return 0


def _version(args: argparse.Namespace) -> int:
    print(__version__)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="osprey", usage="osprey <command> [options]", description=DESCRIPTION,
        epilog="`osprey <command> --help` lists a command's options and their defaults.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="<command>",
                           help=argparse.SUPPRESS, prog="osprey")

    run = sub.add_parser("run", help="run the operator",
                         description="Run the operator until interrupted (Ctrl-C or SIGTERM).")
    run.add_argument("--namespace", action="append", metavar="NS",
                     help="watch this namespace; repeat for several (default: every namespace)")
    run.add_argument("--kubeconfig", metavar="PATH",
                     help="the cluster (default: $KUBECONFIG, ~/.kube/config, else in-cluster)")
    run.add_argument("--helm", default="helm", metavar="PATH",
                     help="the helm 4 binary (default: %(default)s, from PATH)")
    run.add_argument("--helm-timeout", default=DEFAULT_TIMEOUT, metavar="DURATION",
                     help="timeout of one helm operation (default: %(default)s)")
    run.add_argument("--max-parallel-helm", type=int, default=8, metavar="N",
                     help="helm operations at once, across all control planes "
                          "(default: %(default)s)")
    run.add_argument("--resync-seconds", type=float, default=300.0, metavar="S",
                     help="look at every control plane at least this often (default: %(default)s)")
    run.add_argument("--pass-interval-seconds", type=_non_negative, default=0.5, metavar="S",
                     help="while events keep coming, passes of one control plane start at most "
                          "this often; a new spec or a deletion is not held back (default: "
                          "%(default)s)")
    policy = run.add_argument_group(
        "policy", "what whoever may create a control plane may ask for (docs/install.md)")
    policy.add_argument("--allow-chart-repository", action="append", metavar="URL",
                        help="a chart repository control planes may use; `*` matches anything; "
                             "repeat for several (default: the OpenStack-Helm repository)")
    policy.add_argument("--local-charts-root", action="append", metavar="DIR",
                        help="local chart directories under DIR may be used; repeat for "
                             "several (default: none)")
    policy.add_argument("--deny-values-key", action="append", metavar="PATH",
                        help="a dotted values path no control plane may set, besides "
                             "extraObjects; repeat for several")
    run.add_argument("--metrics-port", type=int, default=9090, metavar="PORT",
                     help="Prometheus /metrics; 0 disables (default: %(default)s)")
    run.add_argument("--liveness-port", type=int, default=8080, metavar="PORT",
                     help="Kopf's /healthz; 0 disables (default: %(default)s)")
    run.add_argument("--log-level", default="info", choices=list(LEVELS),
                     help="(default: %(default)s)")
    run.add_argument("--log-format", default="logfmt", choices=list(FORMATS),
                     help="one line per record (default: %(default)s)")
    run.add_argument("--leader-elect", action="store_true",
                     help="several replicas, one active: reconcile only while holding a "
                          "coordination.k8s.io Lease; off: this must be the only replica "
                          "(default: off)")
    run.add_argument("--lease-namespace", metavar="NS",
                     help="namespace of the Lease (default: $POD_NAMESPACE, else default)")
    run.add_argument("--lease-name", default="osprey", metavar="NAME",
                     help="name of the Lease; a shard's adds -shard-N-of-M (default: %(default)s)")
    run.add_argument("--identity", metavar="ID",
                     help="this replica in the Lease (default: $POD_NAME, else the host name)")
    run.add_argument("--lease-duration", type=float, default=15.0, metavar="S",
                     help="a standby takes over a Lease not renewed for this long "
                          "(default: %(default)s)")
    run.add_argument("--renew-deadline", type=float, default=10.0, metavar="S",
                     help="the leader stops acting when it could not renew for this long "
                          "(default: %(default)s)")
    run.add_argument("--retry-period", type=float, default=2.0, metavar="S",
                     help="renew, or try to acquire, this often (default: %(default)s)")
    run.add_argument("--shard", metavar="N/M",
                     help="reconcile only the namespaces of shard N of M (0 <= N < M), "
                          "by a stable hash of the namespace (default: all)")
    run.add_argument("--drain-seconds", type=float, metavar="S",
                     help="on SIGTERM, let running helm operations finish for up to this long "
                          "(default: the helm timeout)")
    run.add_argument("--no-watch-cache", action="store_true",
                     help="list what a pass looks at every pass, instead of keeping it from "
                          "watches (slower; for comparison)")
    run.set_defaults(func=_run)

    render = sub.add_parser(
        "render", help="print what a resource file would install, offline",
        description="Print the releases a resource would install, in order: chart, version, "
                    "repository, dependencies and values (generated passwords, values from "
                    "Secrets and values under keys that look secret masked). Needs no "
                    "cluster: valuesFrom reads the Secrets and ConfigMaps of the same file, "
                    "and references to others are left out.")
    render.add_argument("file", help="a YAML file with one OpenStackControlPlane (and the "
                                     "Secrets and ConfigMaps its valuesFrom reads)")
    render.add_argument("--namespace",
                        help="namespace to render for (default: the resource's, else openstack)")
    render.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml",
                        help="(default: %(default)s)")
    render.add_argument("--upgrade-from", metavar="RELEASE",
                        help="print the upgrade plan from this OpenStack release to the file's "
                             "openstackRelease instead: steps in order, chart versions, images, "
                             "what each step holds back, Jobs replaced")
    render.set_defaults(func=_render)

    crd = sub.add_parser("crd", help="print the CustomResourceDefinition",
                         description="Print the OpenStackControlPlane CustomResourceDefinition.")
    crd.set_defaults(func=_crd)

    version = sub.add_parser("version", help="print the version",
                             description="Print the version.")
    version.set_defaults(func=_version)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"osprey {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C before Kopf took over the signals: nothing to undo
        return 130


if __name__ == "__main__":
    sys.exit(main())
