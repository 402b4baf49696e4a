"""What the releases need from outside themselves, reported after a pass decided.

`CertificatesReady` (certificates.py): the Certificates cert-manager was asked for, read only
while an issuer is. `ImagePullSecretsFound` (pullsecrets.py): the Secrets pods pull with,
read only while any is asked for. Neither holds a release back: cert-manager and the admin
(or a GitOps tool) bring them in their own time, and the condition says what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable

from osprey.api.spec import ControlPlaneSpec
from osprey.api.status import ControlPlaneStatus
from osprey.certificates import certificates_condition, expected_certificates, read_certificates
from osprey.kube import Kube
from osprey.plan import Plan
from osprey.pullsecrets import (
    new_warning,
    pull_secrets_condition,
    read_pull_secrets,
    wanted_pull_secrets,
)


async def prerequisite_conditions(
    kube: Kube,
    namespace: str,
    spec: ControlPlaneSpec,
    desired: Plan,
    deployed: Iterable[str],
    previous: ControlPlaneStatus,
    status: ControlPlaneStatus,
    generation: int,
    now: str,
) -> tuple[ControlPlaneStatus, tuple[str, str] | None]:
    """`status` with both conditions, and the Warning (reason, message) to post when a pull
    secret's problem is new."""
    expected = expected_certificates(spec, deployed)
    listed = await read_certificates(kube, namespace) if expected else None
    conditions = certificates_condition(status.conditions, previous.conditions, expected,
                                        listed, generation, now)
    found = await read_pull_secrets(kube, namespace, wanted_pull_secrets(desired))
    conditions = pull_secrets_condition(conditions, previous.conditions, namespace, found,
                                        generation, now)
    return (status.model_copy(update={"conditions": conditions}),
            new_warning(previous.conditions, conditions))
