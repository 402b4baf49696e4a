"""tests/e2e/kind.sh skips cleanly where there is no Docker engine (as in CI)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "kind.sh"


def test_without_docker_the_e2e_script_skips_with_exit_code_zero(tmp_path: Path) -> None:
    # A PATH holding only the tools the script needs before its Docker check: no docker.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("dirname", "mktemp"):
        (bindir / tool).symlink_to(subprocess.check_output(["which", tool], text=True).strip())
    env = {**os.environ, "PATH": str(bindir)}
    result = subprocess.run(
        ["/bin/bash", str(SCRIPT)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "e2e skipped: no Docker engine (docker is not installed)"
