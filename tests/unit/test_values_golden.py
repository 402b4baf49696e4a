"""Golden files of the rendered values of every enabled chart, for each sample spec.

A sample is `tests/unit/golden/<sample>/spec.yaml`; its goldens are `<chart>.yaml` next to
it, rendered with fake credentials (`fake-<key>`). Regenerate after an intended change with
`UPDATE_GOLDEN=1 pytest tests/unit/test_values_golden.py` and review the diff.
hack/check-osh-values.sh feeds the same goldens to the real OpenStack-Helm charts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from osprey.api.spec import ControlPlaneSpec
from osprey.catalog import ValuesContext, credential_keys, enabled_entries, load_release_catalog

GOLDEN = Path(__file__).parent / "golden"
SAMPLES = sorted(path.name for path in GOLDEN.iterdir() if (path / "spec.yaml").is_file())
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def load_sample(sample: str) -> ControlPlaneSpec:
    data = yaml.safe_load((GOLDEN / sample / "spec.yaml").read_text()) or {}
    return ControlPlaneSpec.model_validate(data)


def render(spec: ControlPlaneSpec) -> dict[str, dict[str, Any]]:
    ctx = ValuesContext(
        spec=spec,
        namespace="openstack",
        release=load_release_catalog(spec.openstackRelease),
        credentials={key: f"fake-{key}" for key in credential_keys(spec)},
    )
    return {entry.name: entry.values(ctx) for entry in enabled_entries(spec)}


def dump(values: dict[str, Any]) -> str:
    return yaml.safe_dump(values, sort_keys=True, default_flow_style=False)


@pytest.mark.parametrize("sample", SAMPLES)
def test_rendered_values_match_the_golden_files(sample: str) -> None:
    rendered = render(load_sample(sample))
    folder = GOLDEN / sample
    if UPDATE:
        for stale in folder.glob("*.yaml"):
            if stale.name != "spec.yaml" and stale.stem not in rendered:
                stale.unlink()
        for chart, values in rendered.items():
            (folder / f"{chart}.yaml").write_text(dump(values))
    goldens = {path.stem for path in folder.glob("*.yaml") if path.name != "spec.yaml"}
    assert goldens == set(rendered), "goldens differ from the enabled charts (UPDATE_GOLDEN=1)"
    for chart, values in rendered.items():
        expected = yaml.safe_load((folder / f"{chart}.yaml").read_text())
        assert values == expected, f"{sample}/{chart}.yaml differs (UPDATE_GOLDEN=1 to accept)"


@pytest.mark.parametrize("sample", SAMPLES)
def test_golden_files_are_written_in_canonical_form(sample: str) -> None:
    for chart, values in render(load_sample(sample)).items():
        assert (GOLDEN / sample / f"{chart}.yaml").read_text() == dump(values)
