"""Which releases are this control plane's, and which control plane holds a namespace."""

from osprey.ownership import (
    ControlPlaneRef,
    adoptable,
    carries_marks,
    namespace_holder,
    not_ours,
    owner_value,
    split,
)
from osprey.releases import OWNER_LABEL, DeployedRelease


def release(name, owner=None, values=None, stored="2026-01-01T00:00:10Z"):
    return DeployedRelease(name=name, namespace="ns", revision=1, status="deployed", chart=name,
                           version="1", values=values or {},
                           labels={OWNER_LABEL: owner} if owner else {}, first_stored_at=stored)


def test_the_owner_label_is_the_name_or_for_a_long_name_a_valid_label_value():
    assert owner_value("cloud") == "cloud"
    long = owner_value("a" * 250)
    assert len(long) <= 63 and long[-1].isalnum()
    assert long != owner_value("a" * 249), "distinct names stay distinct"


def test_the_oldest_control_plane_holds_the_namespace():
    first = ControlPlaneRef("first", "2026-01-01T00:00:00Z")
    second = ControlPlaneRef("second", "2026-01-02T00:00:00Z")
    assert namespace_holder(first, [first, second], owners=()) is None
    assert namespace_holder(second, [first, second], owners=()) == "first"


def test_created_in_the_same_second_the_first_name_holds_the_namespace():
    a, b = ControlPlaneRef("a", "2026-01-01T00:00:00Z"), ControlPlaneRef("b", "2026-01-01T00:00:00Z")
    assert namespace_holder(a, [a, b], owners=()) is None
    assert namespace_holder(b, [a, b], owners=()) == "a"


def test_releases_of_another_control_plane_hold_the_namespace_even_when_it_is_gone():
    me = ControlPlaneRef("new", "2026-01-02T00:00:00Z")
    assert namespace_holder(me, [me], owners=["old"]) == "old"


def test_a_control_plane_with_releases_of_its_own_keeps_the_namespace():
    me = ControlPlaneRef("cloud", "2026-01-01T00:00:00Z")
    assert namespace_holder(me, [me], owners=["cloud", "stranger"]) is None


def test_releases_are_split_into_ours_unlabelled_and_another_s():
    owned, unlabelled, others = split(
        {"mariadb": release("mariadb", "cloud"), "nova": release("nova"),
         "keystone": release("keystone", "other")}, "cloud")
    assert (set(owned), set(unlabelled), others) == ({"mariadb"}, {"nova"}, {"keystone": "other"})


PATHS = {"mariadb-root-password": (("endpoints", "oslo_db", "auth", "admin", "password"),)}


def test_a_release_whose_values_hold_our_credentials_carries_our_marks():
    values = {"endpoints": {"oslo_db": {"auth": {"admin": {"password": "ours"}}}}}
    assert carries_marks(values, PATHS, {"mariadb-root-password": "ours"})


def test_a_release_rendered_with_other_credentials_does_not_carry_our_marks():
    values = {"endpoints": {"oslo_db": {"auth": {"admin": {"password": "theirs"}}}}}
    assert not carries_marks(values, PATHS, {"mariadb-root-password": "ours"})


def test_a_release_without_any_of_the_credentials_it_should_hold_does_not_carry_our_marks():
    assert not carries_marks({}, PATHS, {"mariadb-root-password": "ours"})


def test_a_chart_that_renders_no_credentials_carries_no_marks_to_check():
    assert carries_marks({"pod": {}}, {}, {"mariadb-root-password": "ours"})


def test_only_releases_rendered_with_our_credentials_are_adopted():
    ours = release("mariadb", values={"endpoints": {"oslo_db": {"auth": {"admin": {
        "password": "ours"}}}}})
    theirs = release("keystone", values={"endpoints": {"oslo_db": {"auth": {"admin": {
        "password": "theirs"}}}}})
    paths = {"mariadb": PATHS, "keystone": PATHS}
    adopted = adoptable({"mariadb": ours, "keystone": theirs}, paths,
                        {"mariadb-root-password": "ours"}, "2026-01-01T00:00:00Z", {})
    assert adopted == ["mariadb"]


def test_a_release_of_a_chart_without_credentials_is_adopted_only_with_the_planned_values():
    planned = release("memcached", values={"pod": {"replicas": {"server": 1}}})
    by_hand = release("memcached")  # helm stores only the values its user gave: none
    plan_hash = {"memcached": planned.values_hash}
    since = "2026-01-01T00:00:10Z"  # the same second as both records
    assert adoptable({"memcached": planned}, {}, {}, since, plan_hash) == ["memcached"]
    assert adoptable({"memcached": by_hand}, {}, {}, since, plan_hash) == []


def test_a_release_installed_before_our_credentials_existed_is_not_adopted():
    by_hand = release("memcached", stored="2025-12-31T23:59:59Z")
    assert adoptable({"memcached": by_hand}, {"memcached": {}}, {}, "2026-01-01T00:00:00Z",
                     {"memcached": by_hand.values_hash}) == []


def test_a_release_left_alone_says_whose_it_is_or_how_to_hand_it_over():
    assert "belongs to control plane other" in not_ours("nova", "other", "cloud")
    unlabelled = not_ours("nova", None, "cloud")
    assert "owner=helm,name=nova" in unlabelled and f"{OWNER_LABEL}=cloud" in unlabelled
