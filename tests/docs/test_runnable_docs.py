"""The docs work as written: every shell block marked runnable (tests/docs/runnable.py) runs,
in the order of README.md and docs/*.md, in a scratch copy of the checkout, against what the
docs themselves start (`make sim`, `osprey run`), and exits 0.

The simulator is `make sim`'s, with short workload and Job delays passed the way a user passes
options to it (SIM_ARGS), so that the whole check takes well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.docs.runnable import Block, Terminal, runnable_blocks

pytestmark = pytest.mark.integration

BLOCKS = runnable_blocks()
BLOCK_TIMEOUT = 120.0  # a block that runs longer is stuck: its output is shown
FAST_SIMULATOR = {"SIM_ARGS": "--workload-delay 0.1 --job-delay 0.1"}


@pytest.fixture(scope="module")
def terminal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Terminal]:
    terminal = Terminal(tmp_path_factory.mktemp("docs"), FAST_SIMULATOR)
    yield terminal
    terminal.close()


def test_the_docs_mark_the_way_to_try_osprey_on_the_simulator_runnable():
    scripts = "\n".join(b.script for b in BLOCKS)
    assert [b.script.split()[0] for b in BLOCKS if b.until] == ["make", "export"]
    for step in ("make sim", "osprey run", "kubectl -n openstack apply -f .cache/samples/",
                 "kubectl -n openstack wait oscp/openstack --for=condition=Ready"):
        assert step in scripts


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_block_runs(block: Block, terminal: Terminal):
    if block.until:
        up, output = terminal.start(block, timeout=BLOCK_TIMEOUT)
        assert up, f"{block.id} did not print {block.until!r}:\n{output}"
        return
    status, output = terminal.run(block, timeout=BLOCK_TIMEOUT)
    assert status == 0, f"{block.id} exited {status}:\n{block.script}\n---\n{output}"


def test_ctrl_c_stops_what_the_docs_started_cleanly(terminal: Terminal):
    kubeconfig = terminal.cwd / ".cache" / "kubesim.kubeconfig"
    assert kubeconfig.exists(), "make sim writes its kubeconfig"
    stopped = terminal.interrupt_all(timeout=60)
    assert stopped, "the docs start make sim and the operator"
    for block, status, output in stopped:
        assert status is not None, f"{block.id} did not stop on Ctrl-C:\n{output}"
        assert "Traceback" not in output, f"{block.id}:\n{output}"
    assert not kubeconfig.exists(), "a stopped make sim leaves no kubeconfig behind"
