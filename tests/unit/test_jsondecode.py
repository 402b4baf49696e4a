import json
from pathlib import Path

import pytest
import yaml

from osprey import jsondecode

ROOT = Path(__file__).resolve().parents[2]


def _documents() -> list[object]:
    docs: list[object] = []
    for path in sorted((ROOT / "deploy").rglob("*.yaml")) + sorted((ROOT / "crds").glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def test_decodes_what_json_decodes() -> None:
    docs = _documents()
    assert len(docs) > 10
    for doc in docs:
        text = json.dumps(doc)
        assert jsondecode.loads(text) == json.loads(text)
        assert jsondecode.loads(text.encode()) == json.loads(text)


@pytest.mark.parametrize("text", [
    '{"a": 1, "a": 2}', "123456789012345678901234567890", '"\\u00e9\\n"', " {} ", "-0",
    '{"x": [1.5, null, true, false, "", {}]}',
])
def test_edges_as_json(text: str) -> None:
    value = jsondecode.loads(text)
    assert value == json.loads(text) and type(value) is type(json.loads(text))


@pytest.mark.parametrize("text", ["", "{", '{"a": }', "nope", b"\xff\xfe"])
def test_invalid_json_is_a_value_error(text: str | bytes) -> None:
    with pytest.raises(ValueError, match="invalid JSON"):
        jsondecode.loads(text)
