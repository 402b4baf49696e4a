"""The shell blocks of the docs marked runnable, and a terminal-like place to run them.

A fenced ```sh or ```console block preceded by an HTML comment (invisible on GitHub) is run by
tests/docs/test_runnable_docs.py against the simulator of `make sim`:

    <!-- runnable -->                                   run it; it must exit 0
    <!-- runnable: background until "REGEX" -->         start it (a command that serves until
                                                        Ctrl-C, in a terminal of its own) and go
                                                        on once its output matches REGEX

A `sh` block runs as one bash script with `set -euo pipefail`; of a `console` block only the
commands run (the lines after `$ `, with their `\\` continuations), not the output shown.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
MARKER = re.compile(r'^<!-- runnable(?:: background until "(?P<until>[^"]+)")? -->$')
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\s*$")
RUNNABLE_LANGUAGES = ("sh", "console")
# Everything of the checkout a block may name, seen from the scratch directory it runs in;
# `.cache` is the scratch directory's own, so `make sim` there never touches the checkout's.
# Runs a command with Ctrl-C at its default, as in a terminal, even when the test runner was
# started with SIGINT ignored (as shells start background jobs), which children would inherit.
_DEFAULT_SIGINT_THEN_EXEC = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                             "os.execvp(sys.argv[1], sys.argv[1:])")
INTERRUPTIBLE = (sys.executable, "-c", _DEFAULT_SIGINT_THEN_EXEC)
SHARED = ("Makefile", "pyproject.toml", "requirements.lock", "bin", ".venv", "crds", "deploy",
          "charts", "docs", "hack", "operator", "tests", "bench", "README.md")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence
    language: str
    text: str
    until: str | None  # background blocks: the output that says it is up

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def script(self) -> str:
        if self.language == "sh":
            return self.text
        commands, continuing = [], False
        for line in self.text.splitlines():
            if line.startswith("$ ") or continuing:
                commands.append(line.removeprefix("$ "))
                continuing = line.rstrip().endswith("\\")
        return "\n".join(commands) + "\n"


def runnable_blocks(paths: tuple[Path, ...] = DOCS) -> list[Block]:
    """The marked blocks, in the order of `paths` and, within a file, of the text."""
    blocks = []
    for path in paths:
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            marker = MARKER.match(line.strip())
            if not marker:
                continue
            fence = FENCE.match(lines[i + 1]) if i + 1 < len(lines) else None
            if not fence or fence["lang"] not in RUNNABLE_LANGUAGES:
                raise ValueError(f"{path}:{i + 1}: a runnable marker must precede a ```sh or "
                                 "```console fence")
            indent, body = len(fence["indent"]), []
            for inner in lines[i + 2:]:
                if inner.strip() == "```":
                    break
                body.append(inner[indent:])
            else:
                raise ValueError(f"{path}:{i + 2}: the fence is never closed")
            blocks.append(Block(path, i + 2, fence["lang"], "\n".join(body) + "\n",
                                marker["until"]))
    return blocks


class Terminal:
    """A scratch copy of the checkout (links to its files, its own `.cache`) where blocks run
    as a user would run them there, with KUBECONFIG and PATH as the docs set them."""

    def __init__(self, scratch: Path, extra_env: dict[str, str]) -> None:
        self.cwd = scratch
        for name in SHARED:
            (scratch / name).symlink_to(ROOT / name)
        env = {k: v for k, v in os.environ.items()
               if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "KUBECONFIG")}
        env.update({
            "KUBECONFIG": str(scratch / ".cache" / "kubesim.kubeconfig"),
            "PATH": f"{scratch / 'bin'}:{scratch / '.venv' / 'bin'}:{env.get('PATH', '')}",
            "KUBECACHEDIR": str(scratch / "home" / "kube-cache"),
            "HELM_CACHE_HOME": str(scratch / "home" / "helm" / "cache"),
            "HELM_CONFIG_HOME": str(scratch / "home" / "helm" / "config"),
            "HELM_DATA_HOME": str(scratch / "home" / "helm" / "data"),
            **extra_env,
        })
        self.env = env
        self.background: list[tuple[Block, subprocess.Popen[str], Path]] = []

    def _start(self, block: Block, output: Path) -> subprocess.Popen[str]:
        with output.open("w") as out:
            return subprocess.Popen(
                [*INTERRUPTIBLE, "bash", "-euo", "pipefail", "-c", block.script], cwd=self.cwd,
                env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                text=True,
                # A terminal of its own: Ctrl-C reaches its whole process group, as a user's.
                start_new_session=True,
            )

    def run(self, block: Block, timeout: float) -> tuple[int, str]:
        """Run a block to its end; (exit status, output). A background command that died
        meanwhile ends the block early with its own output."""
        output = self.cwd / f"block-{block.line}.out"
        process = self._start(block, output)
        deadline = time.monotonic() + timeout
        while process.poll() is None:
            dead = self.dead_background()
            if dead or time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                why = dead or f"timed out after {timeout:.0f}s"
                return -1, f"{output.read_text()}\n[{why}]"
            time.sleep(0.1)
        return process.returncode, output.read_text()

    def start(self, block: Block, timeout: float) -> tuple[bool, str]:
        """Start a background block; (up, output so far) once its output matches, it exits,
        or `timeout` passes."""
        output = self.cwd / f"block-{block.line}.out"
        process = self._start(block, output)
        self.background.append((block, process, output))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = output.read_text()
            if re.search(block.until or "", text):
                return True, text
            if process.poll() is not None:
                return False, f"{text}\n[exited with status {process.returncode}]"
            time.sleep(0.1)
        return False, f"{output.read_text()}\n[not up after {timeout:.0f}s]"

    def dead_background(self) -> str | None:
        for block, process, output in self.background:
            if process.poll() is not None:
                return (f"the background block {block.id} exited with status "
                        f"{process.returncode}:\n{output.read_text()}")
        return None

    def interrupt_all(self, timeout: float) -> list[tuple[Block, int | None, str]]:
        """Ctrl-C in each background terminal, last started first; (block, status, output)."""
        stopped = []
        for block, process, output in reversed(self.background):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                    stopped.append((block, None, output.read_text()))
                    continue
            stopped.append((block, process.returncode, output.read_text()))
        self.background.clear()
        return stopped

    def close(self) -> None:
        self.interrupt_all(timeout=10)
        shutil.rmtree(self.cwd / "home", ignore_errors=True)
