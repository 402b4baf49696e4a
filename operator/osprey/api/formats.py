"""String formats of the API: quantities (and, as they come, Kubernetes names and versions).

Each pattern means the same in RE2 (kube-apiserver), Rust (pydantic) and Python.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# A Kubernetes resource quantity as used for storage sizes (e.g. 10Gi, 500Mi, 1T).
QUANTITY_PATTERN = r"^([0-9]+(\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$"
Quantity = Annotated[str, Field(pattern=QUANTITY_PATTERN, examples=["10Gi"])]
