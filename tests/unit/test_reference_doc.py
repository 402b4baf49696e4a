"""docs/reference.md is generated from the models and kept in step with them."""

from pathlib import Path

from osprey.api.reference import reference_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference.md"


def test_the_checked_in_reference_matches_the_models():
    assert DOC.read_text() == reference_markdown() + "\n", "run `make docs` to regenerate it"


def test_every_spec_field_is_documented():
    rows = [line for line in reference_markdown().splitlines() if line.startswith("| `spec.")]
    assert rows and all(not line.rstrip().endswith("|  |") for line in rows)
