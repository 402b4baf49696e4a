"""The post-renderer plugin every helm run of Osprey uses, found before the user's plugins."""

from __future__ import annotations

from pathlib import Path

import yaml

from osprey.helm_plugin import PLUGIN, plugins_path, post_renderer_args, write_plugin


def test_our_plugins_come_first_and_the_users_are_still_found():
    ours = Path("/ours")
    assert plugins_path(ours, {"HELM_PLUGINS": "/theirs"}) == "/ours:/theirs"
    assert plugins_path(ours, {"HELM_DATA_HOME": "/data"}) == "/ours:/data/plugins"
    assert plugins_path(ours, {"XDG_DATA_HOME": "/xdg"}) == "/ours:/xdg/helm/plugins"


def test_the_plugin_runs_the_cluster_scope_module(tmp_path):
    manifest = yaml.safe_load((write_plugin(tmp_path) / PLUGIN / "plugin.yaml").read_text())
    assert manifest["type"] == "postrenderer/v1"
    assert manifest["runtimeConfig"]["platformCommand"][0]["args"] == [
        "-m", "osprey.clusterscope"]


def test_the_shared_render_asks_the_plugin_for_shared_objects_only():
    assert post_renderer_args("cloud-a") == [
        "--post-renderer", PLUGIN, "--post-renderer-args", "cloud-a"]
    assert post_renderer_args("cloud-a", shared=True)[-2:] == ["--post-renderer-args", "--shared"]
