"""A lost credentials Secret is rebuilt from the releases that use it, never regenerated."""

from dataclasses import replace

from osprey import catalog
from osprey.api import validate_spec
from osprey.catalog import credentials as keys
from osprey.plan import plan
from osprey.recovery import credential_paths, recover
from osprey.releases import DeployedRelease

SPEC = validate_spec({"services": {"keystone": {"enabled": True}}})


def deployed(plan_release):
    return DeployedRelease(name=plan_release.name, namespace="ns", revision=1, status="deployed",
                           chart=plan_release.chart.name, version=plan_release.chart.version,
                           values=plan_release.values)


def installed(spec, credentials):
    return {r.name: deployed(r) for r in plan(spec, "ns", credentials).releases}


def originals(spec):
    return {key: f"original-{key}" for key in catalog.credential_keys(spec)}


def test_credentials_are_found_where_the_values_render_them():
    paths = credential_paths(SPEC, "ns")
    assert ("endpoints", "oslo_db", "auth", "admin", "password") in paths["mariadb"][
        keys.MARIADB_ROOT]
    assert ("endpoints", "identity", "auth", "admin", "password") in paths["keystone"][
        keys.KEYSTONE_ADMIN]


def test_every_credential_of_a_deployed_control_plane_is_recovered_as_it_was():
    spec = validate_spec({})  # the default services
    credentials = originals(spec)
    recovery = recover(list(credentials), credential_paths(spec, "ns"),
                       installed(spec, credentials))
    assert recovery.found == credentials
    assert recovery.lost == {}


def test_the_mariadb_root_password_comes_from_mariadb_itself():
    credentials = originals(SPEC)
    releases = installed(SPEC, credentials)
    recovery = recover([keys.MARIADB_ROOT], credential_paths(SPEC, "ns"), releases)
    assert recovery.sources == {keys.MARIADB_ROOT: "mariadb"}


def test_a_key_no_release_holds_yet_is_left_to_be_generated():
    credentials = originals(SPEC)
    only_mariadb = {"mariadb": installed(SPEC, credentials)["mariadb"]}
    recovery = recover([keys.KEYSTONE_ADMIN], credential_paths(SPEC, "ns"), only_mariadb)
    assert recovery.found == {} and recovery.lost == {}


def test_a_key_a_release_holds_in_an_unusable_form_is_lost_not_regenerated():
    credentials = originals(SPEC)
    releases = installed(SPEC, credentials)
    mariadb = releases["mariadb"]
    broken = {**mariadb.values, "endpoints": {**mariadb.values["endpoints"], "oslo_db": {
        "auth": {"admin": {"password": None}}}}}
    only_mariadb = {"mariadb": replace(mariadb, values=broken)}
    recovery = recover([keys.MARIADB_ROOT], credential_paths(SPEC, "ns"), only_mariadb)
    assert recovery.found == {}
    assert "mariadb" in recovery.lost[keys.MARIADB_ROOT]
    assert "endpoints.oslo_db.auth.admin.password" in recovery.lost[keys.MARIADB_ROOT]
