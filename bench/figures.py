"""The figures a run produces, and the one table it prints."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.cluster import HELM


@dataclass(frozen=True)
class Figure:
    section: str
    name: str
    value: str
    target: str = ""  # the target, or the ratio that matters, with its verdict

    def row(self) -> tuple[str, str, str]:
        return (f"{self.section}: {self.name}", self.value, self.target)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def table(figures: list[Figure]) -> str:
    """A plain-text table, also valid Markdown."""
    header = ("figure", "value", "target / ratio")
    rows = [header] + [f.row() for f in figures]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for index, row in enumerate(rows):
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if index == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def machine() -> str:
    memory = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    helm = subprocess.run([str(HELM), "version", "--short"], capture_output=True, text=True,
                          check=False).stdout.strip()
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.machine())
    return (f"{os.cpu_count()} CPUs ({cpu}), {int(memory) // 1024} MiB RAM, "
            f"Python {platform.python_version()}, helm {helm}, {platform.system()} "
            f"{platform.release()}")
