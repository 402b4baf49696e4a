"""Columns of the built-in kinds, as kube-apiserver's printers (pkg/printers/internalversion)
define them: the server sends every column; kubectl shows priority-0 ones and adds the
others with `-o wide`."""

from __future__ import annotations

from .printers_core import CORE
from .printers_workloads import WORKLOADS
from .printing import Column, age, human_duration, since

__all__ = ["BUILTIN", "Column", "age", "human_duration", "since"]

BUILTIN: dict[tuple[str, str], list[Column]] = {**CORE, **WORKLOADS}
