"""Supply chain: the base image pinned by digest, dependencies locked with hashes, helm checked
against a recorded checksum."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
INSTALL_TOOLS = ROOT / "hack" / "install-tools.sh"
LOCKS = {"requirements.lock": True, "requirements-runtime.lock": False}  # with the test extra?
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def requirements(lock: Path) -> dict[str, str]:
    """name -> the text of its entry (pin and hashes)."""
    entries: dict[str, str] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", lock.read_text()):
        if match := re.match(r"([A-Za-z0-9._-]+)==", block):
            entries[re.sub(r"[-_.]+", "-", match.group(1).lower())] = block
    return entries


def declared(extra: bool) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + (project["optional-dependencies"]["test"] if extra else [])
    return {re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", s).group(0).lower())
            for s in specs}


def test_every_stage_of_the_image_starts_from_the_base_pinned_by_digest():
    text = DOCKERFILE.read_text()
    [base] = re.findall(r"^ARG BASE_IMAGE=(\S+)$", text, re.MULTILINE)
    assert DIGEST.search(base), base
    assert set(re.findall(r"^FROM (\S+)", text, re.MULTILINE)) == {"${BASE_IMAGE}"}


def test_the_image_installs_python_dependencies_only_from_the_lock_with_hashes():
    text = DOCKERFILE.read_text().replace("\\\n", " ")  # continuation lines joined
    installs = re.findall(r"pip install[^\n]*", text)
    assert any("--require-hashes" in i and "requirements-runtime.lock" in i for i in installs)
    assert all("--require-hashes" in i or "--no-deps" in i for i in installs), installs


@pytest.mark.parametrize(("name", "extra"), LOCKS.items())
def test_every_locked_requirement_is_pinned_with_a_hash(name: str, extra: bool):
    entries = requirements(ROOT / name)
    assert entries
    for package, entry in entries.items():
        assert "--hash=sha256:" in entry, package


@pytest.mark.parametrize(("name", "extra"), LOCKS.items())
def test_the_lock_holds_every_declared_dependency(name: str, extra: bool):
    missing = declared(extra) - requirements(ROOT / name).keys()
    assert not missing


def test_make_install_uses_the_lock_with_hashes():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes --no-deps -r requirements.lock" in makefile


@pytest.mark.parametrize("tool", ["helm", "kubectl"])
def test_the_installed_tool_has_the_checksum_install_tools_records(tool: str):
    binary = ROOT / "bin" / tool
    if not binary.exists():
        pytest.skip(f"bin/{tool} is missing: run `make install`")
    [recorded] = re.findall(rf"^{tool}_sha256=([0-9a-f]{{64}})", INSTALL_TOOLS.read_text(),
                            re.MULTILINE)
    assert hashlib.sha256(binary.read_bytes()).hexdigest() == recorded
