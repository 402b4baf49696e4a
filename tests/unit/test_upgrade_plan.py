"""The upgrade plan: the documented order, what each step renders, what it holds back."""

from __future__ import annotations

import pytest

from osprey.api import validate_spec
from osprey.catalog import credential_keys, load_release_catalog
from osprey.upgrade.plan import UpgradeRefused, check_transition, upgrade_plan
from tests.integration.operator_harness import load_sample


def plan_of(sample="minimal.yaml", source="2025.1", target="2025.2", **spec):
    raw = {**load_sample(sample)["spec"], "openstackRelease": target, **spec}
    parsed = validate_spec(raw)
    return upgrade_plan(parsed, "openstack", dict.fromkeys(credential_keys(parsed), "pw"), source)


def test_steps_go_infrastructure_keystone_services_neutron_server_agents_nova_control_compute():
    assert plan_of("compute-kit.yaml").names == (
        "mariadb", "rabbitmq", "memcached", "openvswitch", "keystone", "glance", "placement",
        "cinder", "barbican", "heat", "horizon", "neutron", "neutron-agents", "nova", "libvirt",
        "nova-compute")


def test_each_step_names_its_chart_version_changed_images_and_jobs_replaced():
    plan = plan_of()
    nova = plan.steps[plan.index("nova")]
    new = load_release_catalog("2025.2").image_tags("nova")
    assert nova.chart_version == "2025.2"
    assert nova.images["nova_api"] == new["nova_api"]
    assert "nova_compute" not in nova.images
    assert nova.jobs == ("nova-bootstrap", "nova-cell-setup")
    compute = plan.steps[plan.index("nova-compute")]
    assert compute.images == {"nova_compute": new["nova_compute"],
                              "nova_compute_ssh": new["nova_compute_ssh"]}
    assert compute.jobs == ()


def test_a_release_whose_step_has_not_come_is_rendered_as_deployed_before():
    plan = plan_of()
    staged = plan.staged(plan.index("keystone"))
    assert staged["glance"] == plan.old["glance"]
    assert staged["nova"] == plan.old["nova"]
    assert staged["keystone"] == plan.new["keystone"]
    assert staged["mariadb"] == plan.new["mariadb"]


def test_the_neutron_server_step_holds_the_agents_at_the_old_images():
    plan = plan_of()
    old = load_release_catalog("2025.1").image_tags("neutron")
    new = load_release_catalog("2025.2").image_tags("neutron")
    server = plan.staged(plan.index("neutron"))["neutron"].values["images"]["tags"]
    assert server["neutron_server"] == new["neutron_server"]
    assert server["neutron_openvswitch_agent"] == old["neutron_openvswitch_agent"]
    agents = plan.staged(plan.index("neutron-agents"))["neutron"]
    assert agents == plan.new["neutron"]


def test_the_nova_control_step_pins_compute_rpc_and_keeps_the_old_release_on_its_pods():
    plan = plan_of()
    values = plan.staged(plan.index("nova"))["nova"].values
    assert values["conf"]["nova"]["upgrade_levels"] == {"compute": "auto"}
    assert values["annotations"]["pod"]["nova_scheduler"] == {
        "osprey.dev/openstack-release": "2025.1"}
    assert values["images"]["tags"]["nova_compute"] == load_release_catalog(
        "2025.1").image_tags("nova")["nova_compute"]


def test_after_the_last_step_every_release_is_the_plain_plan_of_the_new_release():
    plan = plan_of()
    assert plan.staged(len(plan.steps)).releases == plan.new.releases


def test_before_the_first_step_every_release_is_the_plain_plan_of_the_old_release():
    plan = plan_of()
    assert plan.staged(-1).releases == plan.old.releases


@pytest.mark.parametrize(("deployed", "wanted", "why"), [
    ("2025.1", "2026.1", "the next release is 2025.2, not 2026.1"),
    ("2025.2", "2025.1", "older than the deployed 2025.2"),
])
def test_skipping_or_going_back_is_refused_naming_the_field(deployed, wanted, why):
    with pytest.raises(UpgradeRefused, match="spec.openstackRelease") as refused:
        check_transition(deployed, wanted)
    assert why in str(refused.value)


def test_the_next_release_is_allowed():
    check_transition("2025.2", "2026.1")


def test_2025_2_to_2026_1_is_planned_from_the_2026_1_catalog():
    plan = plan_of(source="2025.2", target="2026.1")
    keystone = plan.steps[plan.index("keystone")]
    assert keystone.chart_version == "2026.1"
    assert keystone.images["keystone_api"] == load_release_catalog("2026.1").image_tags(
        "keystone")["keystone_api"]
    assert plan.staged(-1)["keystone"].chart.version == "2025.2"
