"""kube-controller-manager's root-ca-cert-publisher: every active namespace holds the
ConfigMap `kube-root-ca.crt` with the cluster CA under `ca.crt`, put back when deleted or
changed.

The CA is a self-signed certificate made once for kubesim (`openssl req -x509 -newkey ec
-subj /CN=kubernetes -days 3650`); the simulator serves plain HTTP and signs nothing with it.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .controllers import Controllers

ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters."
)
CA_CERT = """-----BEGIN CERTIFICATE-----
MIIBjjCCATWgAwIBAgIUTP8IMSQn9uSmJIJBviu5j57tOSIwCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKa3ViZXJuZXRlczAeFw0yNjExMzAyMjQ1MjdaFw0zNjExMjcy
MjQ1MjdaMBUxEzARBgNVBAMMCmt1YmVybmV0ZXMwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAS2vEwnNBxEbBm33G4oYDpXSL7iwvBP5XVeRcTtThSJ0bMVWYRuxb85
KgQlORbjHIYoZEg4beSh8gS/8D0w/HQ+o2MwYTAdBgNVHQ4EFgQUBYBTKy/N/sqG
jy/FMjFXSju42LQwHwYDVR0jBBgwFoAUBYBTKy/N/sqGjy/FMjFXSju42LQwDwYD
VR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAqQwCgYIKoZIzj0EAwIDRwAwRAIg
D9RfL1x+sRUFdlo44KchD/ySyzgu0mA+uEyCossbP3gCIEovxvGTF46vb0jpHSs1
Rn+v1evp9Z65EPGjNZVhAqXt
-----END CERTIFICATE-----
"""
CONFIGMAPS = ("", "configmaps")


class RootCAPublisher:
    def __init__(self, ctx: Controllers) -> None:
        self.ctx = ctx

    def reconcile(self, ns: str, _: str) -> None:
        if self.ctx.index.terminating(ns):
            return
        current = self.ctx.api.store.peek(CONFIGMAPS, ns, ROOT_CA_CONFIGMAP)
        data = {"ca.crt": CA_CERT}
        if current is None:
            self.ctx.create(
                CONFIGMAPS,
                ns,
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {
                        "name": ROOT_CA_CONFIGMAP,
                        "namespace": ns,
                        "annotations": {"kubernetes.io/description": DESCRIPTION},
                    },
                    "data": data,
                },
            )
        elif current.get("data") != data and not current["metadata"].get("deletionTimestamp"):
            fixed = copy.deepcopy(current)
            fixed["data"] = data
            self.ctx.update(CONFIGMAPS, fixed)
