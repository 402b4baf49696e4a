"""The plan: enabled releases in dependency order, pinned versions, stable hashes."""

import pytest

from osprey import catalog
from osprey.api import validate_spec
from osprey.plan import PlanError, PlanMemo, plan, topological


def credentials(spec):
    return {key: f"fake-{key}" for key in catalog.credential_keys(spec)}


def make(raw=None):
    spec = validate_spec(raw or {})
    return plan(spec, "openstack", credentials(spec))


def test_dependencies_come_before_their_dependents():
    p = make()
    position = {name: i for i, name in enumerate(p.names)}
    for release in p.releases:
        for dep in release.dependencies:
            assert position[dep] < position[release.name], f"{dep} before {release.name}"


def test_the_default_spec_plans_the_compute_kit():
    assert set(make().names) >= {"mariadb", "rabbitmq", "memcached", "keystone", "glance",
                                 "placement", "openvswitch", "libvirt", "neutron", "nova"}
    assert "horizon" not in make().names


def test_chart_versions_follow_the_release_catalog_unless_overridden():
    pinned = make()["nova"].chart.version
    assert make({"charts": {"version": "9.9.9"}})["nova"].chart.version == "9.9.9"
    overridden = make({"charts": {"version": "9.9.9", "versions": {"nova": "1.2.3"}}})
    assert overridden["nova"].chart.version == "1.2.3"
    assert overridden["keystone"].chart.version == "9.9.9"
    assert pinned


def test_the_same_spec_and_credentials_give_the_same_hash():
    assert [r.hash for r in make().releases] == [r.hash for r in make().releases]


def test_a_replica_change_changes_only_that_release():
    before = {r.name: r.hash for r in make().releases}
    after = {r.name: r.hash for r in make({"services": {"nova": {"replicas": {"api": 3}}}}).releases}
    assert [n for n in before if before[n] != after[n]] == ["nova"]


def test_a_dependency_cycle_is_reported_by_name():
    from tests.unit.test_actions import planned

    a, b = planned("a", ready=["b"]), planned("b", ready=["a"])
    with pytest.raises(ValueError, match="cycle"):
        topological([a, b])


def test_a_local_chart_directory_is_planned_at_its_own_version(tmp_path):
    (tmp_path / "memcached").mkdir()
    (tmp_path / "memcached" / "Chart.yaml").write_text("name: memcached\nversion: 2025.1.7\n")
    spec = validate_spec({"charts": {"repository": str(tmp_path)}})
    from osprey.plan import chart_ref

    assert chart_ref(catalog.entry("memcached"), spec).version == "2025.1.7"


def test_a_pin_the_local_directory_does_not_hold_names_the_field(tmp_path):
    (tmp_path / "memcached").mkdir()
    (tmp_path / "memcached" / "Chart.yaml").write_text("name: memcached\nversion: 2025.1.7\n")
    spec = validate_spec({"charts": {"repository": str(tmp_path),
                                     "versions": {"memcached": "2025.1.9"}}})
    from osprey.plan import chart_ref

    with pytest.raises(ValueError, match=r"spec\.charts\.versions\.memcached: 2025\.1\.9"):
        chart_ref(catalog.entry("memcached"), spec)


def test_the_release_catalog_pins_a_line_that_helm_resolves_to_its_newest_patch():
    nova = make()["nova"].chart
    assert (nova.version, nova.helm_args()[2]) == ("2025.1", "~2025.1.0")
    exact = make({"charts": {"versions": {"nova": "2025.1.3"}}})["nova"].chart
    assert exact.helm_args()[2] == "2025.1.3"


def test_a_pin_that_is_neither_a_line_nor_a_version_names_the_field():
    # validate_spec refuses such pins first; the plan names the field for a spec it did not see.
    spec = validate_spec({})
    for charts, field in (({"versions": {"nova": "~2025.1.0"}}, "spec.charts.versions.nova"),
                          ({"version": "latest"}, "spec.charts.version")):
        bad = spec.model_copy(update={"charts": spec.charts.model_copy(update=charts)})
        with pytest.raises(PlanError, match=rf"^{field.replace('.', '[.]')}: '.*' is neither"):
            plan(bad, "openstack", credentials(bad))


def test_a_local_chart_directory_satisfies_a_pinned_line_of_its_version(tmp_path):
    (tmp_path / "memcached").mkdir()
    (tmp_path / "memcached" / "Chart.yaml").write_text("name: memcached\nversion: 2025.1.7\n")
    spec = validate_spec({"charts": {"repository": str(tmp_path),
                                     "versions": {"memcached": "2025.1"}}})
    from osprey.plan import chart_ref

    assert chart_ref(catalog.entry("memcached"), spec).version == "2025.1.7"


def test_the_plan_memo_gives_the_same_plan_for_the_same_inputs_without_planning_again():
    spec = validate_spec({})
    memo = PlanMemo()
    first = memo.plan(spec, "openstack", credentials(spec))
    assert memo.plan(validate_spec({}), "openstack", dict(credentials(spec))) is first
    assert first == plan(spec, "openstack", credentials(spec))


def test_the_plan_memo_plans_again_when_the_spec_credentials_or_values_change():
    spec = validate_spec({})
    memo = PlanMemo()
    first = memo.plan(spec, "openstack", credentials(spec))
    changed = validate_spec({"services": {"keystone": {"replicas": 3}}})
    assert memo.plan(changed, "openstack", credentials(spec)) != first
    other = dict(credentials(spec), **{next(iter(credentials(spec))): "rotated"})
    assert memo.plan(spec, "openstack", other) != first
    assert memo.plan(spec, "openstack", credentials(spec),
                     {"keystone": {"conf": {"x": 1}}}) != first


def test_the_plan_memo_reads_a_local_chart_directory_every_time(tmp_path):
    spec = validate_spec({"charts": {"repository": str(tmp_path)}})
    for entry in catalog.enabled_entries(spec):
        (tmp_path / entry.name).mkdir()
        (tmp_path / entry.name / "Chart.yaml").write_text(
            f"name: {entry.name}\nversion: 2025.1.7\n")
    memo = PlanMemo()
    memo.plan(spec, "openstack", credentials(spec))
    (tmp_path / "memcached" / "Chart.yaml").write_text("name: memcached\nversion: 2025.1.8\n")
    again = memo.plan(spec, "openstack", credentials(spec))
    assert [r.chart.version for r in again.releases if r.name == "memcached"] == ["2025.1.8"]
