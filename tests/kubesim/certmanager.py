"""A stand-in for cert-manager (cert-manager.io/v1): its ingress-shim, its issuers and the
certificates controller, for what Osprey's public TLS relies on.

It runs only where the cert-manager CRDs are applied (tests/fixtures/certmanager/crds.yaml),
as cert-manager runs only where it is installed; without them an Ingress's cert-manager
annotations ask nothing, as in a cluster without cert-manager.

- ingress-shim: an Ingress annotated `cert-manager.io/cluster-issuer` or `cert-manager.io/issuer`
  gets, per `spec.tls` entry, a Certificate named after the entry's secretName, for its hosts,
  controlled by the Ingress; one the Ingress does not control is left alone (cert-manager
  refuses to take over a Certificate another object owns).
- issuers: every Issuer and ClusterIssuer is Ready (the stand-in signs anything).
- certificates: a Certificate whose issuer exists gets its kubernetes.io/tls Secret and
  Ready=True; one whose issuer does not exist stays Ready=False, reason DoesNotExist, and the
  message names the missing issuer (cert-manager reports it on the CertificateRequest, which
  the stand-in does not model). A deleted Secret is issued again.

The certificate and key written are fixed placeholders: nothing verifies them.
"""

from __future__ import annotations

import base64
import copy
from typing import TYPE_CHECKING, Any

from .rootca import CA_CERT
from .store import StoreKey
from .timeutil import now_rfc3339

if TYPE_CHECKING:
    from .controllers import Controllers

GROUP = "cert-manager.io"
CERTIFICATES: StoreKey = (GROUP, "certificates")
ISSUERS: StoreKey = (GROUP, "issuers")
CLUSTER_ISSUERS: StoreKey = (GROUP, "clusterissuers")
INGRESSES: StoreKey = ("networking.k8s.io", "ingresses")
SECRETS: StoreKey = ("", "secrets")
CRDS: StoreKey = ("apiextensions.k8s.io", "customresourcedefinitions")
WATCHED = (INGRESSES, CERTIFICATES, ISSUERS, CLUSTER_ISSUERS, SECRETS, CRDS)
ISSUER_ANNOTATIONS = {"cert-manager.io/cluster-issuer": "ClusterIssuer",
                      "cert-manager.io/issuer": "Issuer"}
CERTIFICATE_NAME = "cert-manager.io/certificate-name"
MANAGER = "cert-manager"
PLACEHOLDER_KEY = "-----BEGIN PRIVATE KEY-----\nkubesim placeholder\n-----END PRIVATE KEY-----\n"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _condition(status: str, reason: str, message: str, generation: int) -> dict[str, Any]:
    return {"type": "Ready", "status": status, "reason": reason, "message": message,
            "lastTransitionTime": now_rfc3339(), "observedGeneration": generation}


class CertManager:
    """The three controllers, reconciled by (namespace, name) like the simulator's others."""

    def __init__(self, ctx: Controllers) -> None:
        self.ctx = ctx

    def installed(self) -> bool:
        return bool(self.ctx.api.registry.versions_of(*CERTIFICATES))

    # ---- ingress-shim --------------------------------------------------------------------
    def reconcile_ingress(self, ns: str, name: str) -> None:
        if not self.installed():
            return
        ingress = self.ctx.api.store.peek(INGRESSES, ns, name)
        if ingress is None or ingress["metadata"].get("deletionTimestamp"):
            return
        annotations = ingress["metadata"].get("annotations") or {}
        issuer = next(((kind, annotations[key]) for key, kind in ISSUER_ANNOTATIONS.items()
                       if annotations.get(key)), None)
        if issuer is None:
            return
        kind, issuer_name = issuer
        for entry in (ingress.get("spec") or {}).get("tls") or []:
            secret = entry.get("secretName")
            if secret:
                self._shim_certificate(ingress, secret, entry.get("hosts") or [], kind,
                                       issuer_name)

    def _shim_certificate(self, ingress: dict[str, Any], secret: str, hosts: list[str],
                          kind: str, issuer: str) -> None:
        meta = ingress["metadata"]
        ns = meta["namespace"]
        owner = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": meta["name"],
                 "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}
        spec = {"secretName": secret, "dnsNames": list(hosts),
                "issuerRef": {"name": issuer, "kind": kind, "group": GROUP}}
        current = self.ctx.api.store.peek(CERTIFICATES, ns, secret)
        if current is None:
            self.ctx.api.create(self.ctx.rtype(CERTIFICATES), ns, {
                "apiVersion": f"{GROUP}/v1", "kind": "Certificate",
                "metadata": {"name": secret, "namespace": ns, "ownerReferences": [owner]},
                "spec": spec}, manager=MANAGER)
            return
        refs = current["metadata"].get("ownerReferences") or []
        if not any(r.get("uid") == meta["uid"] and r.get("controller") for r in refs):
            return
        if current.get("spec") != spec:
            updated = copy.deepcopy(current)
            updated["spec"] = spec
            self.ctx.update(CERTIFICATES, updated, manager=MANAGER)

    # ---- issuers -------------------------------------------------------------------------
    def reconcile_issuer(self, ns: str, name: str) -> None:
        key = ISSUERS if ns else CLUSTER_ISSUERS
        issuer = self.ctx.api.store.peek(key, ns, name)
        if issuer is None or issuer["metadata"].get("deletionTimestamp"):
            return
        generation = issuer["metadata"].get("generation", 1)
        status = {"conditions": [_condition("True", "IsReady", "kubesim's stand-in issuer "
                                            "signs every request", generation)]}
        self.ctx.write_status(key, issuer, status, manager=MANAGER)

    # ---- certificates --------------------------------------------------------------------
    def reconcile_certificate(self, ns: str, name: str) -> None:
        if not self.installed():
            return
        cert = self.ctx.api.store.peek(CERTIFICATES, ns, name)
        if cert is None or cert["metadata"].get("deletionTimestamp"):
            return
        spec = cert.get("spec") or {}
        ref = spec.get("issuerRef") or {}
        kind = ref.get("kind") or "Issuer"
        generation = cert["metadata"].get("generation", 1)
        issuer = (self.ctx.api.store.peek(CLUSTER_ISSUERS, "", ref.get("name", ""))
                  if kind == "ClusterIssuer" else
                  self.ctx.api.store.peek(ISSUERS, ns, ref.get("name", "")))
        if issuer is None:
            message = (f"Issuing certificate as Secret does not exist: referenced {kind} "
                       f"{ref.get('name')!r} not found")
            status = {"conditions": [_condition("False", "DoesNotExist", message, generation)]}
            self.ctx.write_status(CERTIFICATES, cert, status, manager=MANAGER)
            return
        self._issue(cert, kind)
        status = {"conditions": [_condition("True", "Ready", "Certificate is up to date and "
                                            "has not expired", generation)],
                  "revision": (cert.get("status") or {}).get("revision") or 1}
        self.ctx.write_status(CERTIFICATES, cert, status, manager=MANAGER)

    def _issue(self, cert: dict[str, Any], kind: str) -> None:
        meta, spec = cert["metadata"], cert["spec"]
        ns, secret = meta["namespace"], spec["secretName"]
        annotations = {
            CERTIFICATE_NAME: meta["name"],
            "cert-manager.io/issuer-name": spec["issuerRef"]["name"],
            "cert-manager.io/issuer-kind": kind,
            "cert-manager.io/issuer-group": GROUP,
            "cert-manager.io/alt-names": ",".join(spec.get("dnsNames") or []),
        }
        data = {"tls.crt": _b64(CA_CERT), "tls.key": _b64(PLACEHOLDER_KEY),
                "ca.crt": _b64(CA_CERT)}
        current = self.ctx.api.store.peek(SECRETS, ns, secret)
        if current is None:
            self.ctx.create(SECRETS, ns, {
                "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                "metadata": {"name": secret, "namespace": ns, "annotations": annotations},
                "data": data})
            return
        current_annotations = current["metadata"].get("annotations") or {}
        if current.get("data") == data and all(
                current_annotations.get(k) == v for k, v in annotations.items()):
            return
        updated = copy.deepcopy(current)
        updated["data"] = data
        updated["metadata"]["annotations"] = {**current_annotations, **annotations}
        self.ctx.update(SECRETS, updated, manager=MANAGER)

    # ---- what wakes whom -----------------------------------------------------------------
    def on_event(self, key: StoreKey, event_type: str, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        ident = (meta.get("namespace", ""), meta["name"])
        if key == CRDS and (obj.get("spec") or {}).get("group") == GROUP:
            self.resync()  # cert-manager installed after the objects it acts on
        elif key == INGRESSES and event_type != "DELETED":
            self.ctx.enqueue("cert-manager-ingress-shim", ident)
        elif key == CERTIFICATES and event_type != "DELETED":
            self.ctx.enqueue("cert-manager-certificates", ident)
        elif key in (ISSUERS, CLUSTER_ISSUERS):
            if event_type != "DELETED":
                self.ctx.enqueue("cert-manager-issuers", ident)
            self.resync_certificates()
        elif key == SECRETS and event_type == "DELETED":
            name = (meta.get("annotations") or {}).get(CERTIFICATE_NAME)
            if name:
                self.ctx.enqueue("cert-manager-certificates", (ident[0], name))

    def resync(self) -> None:
        for obj in self.ctx.api.store.items(INGRESSES):
            self.ctx.enqueue("cert-manager-ingress-shim", _ident(obj))
        for key in (ISSUERS, CLUSTER_ISSUERS):
            for obj in self.ctx.api.store.items(key):
                self.ctx.enqueue("cert-manager-issuers", _ident(obj))
        self.resync_certificates()

    def resync_certificates(self) -> None:
        for obj in self.ctx.api.store.items(CERTIFICATES):
            self.ctx.enqueue("cert-manager-certificates", _ident(obj))


def _ident(obj: dict[str, Any]) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
