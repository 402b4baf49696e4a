"""Write the `chartImages` section of a release catalog: the charts' own default images.tags
the release does not pin, read from an openstack-helm git directory at a tag.

    python hack/chart-images.py OSH_GIT_DIR TAG operator/osprey/catalog/releases/2025.1.yaml

A registry mirror (spec.images.registry) rewrites these too; rerun when a catalog moves to a
newer tag.
"""

from __future__ import annotations

import subprocess
import sys

import yaml

MARKER = "\n# The charts' own default images"


def chart_defaults(git_dir: str, tag: str, chart: str) -> dict[str, str]:
    text = subprocess.run(["git", "-C", git_dir, "show", f"{tag}:{chart}/values.yaml"],
                          check=True, capture_output=True, text=True).stdout
    return {str(k): str(v) for k, v in (yaml.safe_load(text)["images"]["tags"] or {}).items()}


def main(git_dir: str, tag: str, catalog_path: str) -> None:
    with open(catalog_path, encoding="utf-8") as f:
        text = f.read().split(MARKER)[0].rstrip("\n") + "\n"
    pinned = yaml.safe_load(text)["images"]
    section: dict[str, dict[str, str]] = {}
    for chart, tags in pinned.items():
        defaults = chart_defaults(git_dir, tag, chart)
        section[chart] = {k: v for k, v in sorted(defaults.items()) if k not in (tags or {})}
    body = yaml.safe_dump({"chartImages": section}, sort_keys=False, default_flow_style=False)
    header = (f"{MARKER[1:]} the release does not pin (images.tags of each chart's\n"
              f"# values.yaml at tag {tag}): a registry mirror serves them too. Written by\n"
              "# hack/chart-images.py.\n")
    with open(catalog_path, "w", encoding="utf-8") as f:
        f.write(text + header + body)


if __name__ == "__main__":
    main(*sys.argv[1:])
