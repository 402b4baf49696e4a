"""A claim a chart renders itself cannot change class: refused before helm, naming the field."""

from osprey.api import validate_spec
from osprey.claims import claim_conflicts


def claim(name, storage_class, deleting=False):
    meta = {"name": name, **({"deletionTimestamp": "2026-01-01T00:00:00Z"} if deleting else {})}
    return {"metadata": meta, "spec": {"storageClassName": storage_class}}


def live(*claims):
    return {("PersistentVolumeClaim", c["metadata"]["name"]): c for c in claims}


def glance_on(storage_class=None, default=None):
    storage = {"size": "10Gi", **({"storageClass": storage_class} if storage_class else {})}
    return validate_spec({"storageClass": default,
                          "services": {"glance": {"backend": "pvc", "storage": storage}}})


def test_a_retained_claim_of_another_class_refuses_glance_naming_the_field():
    conflicts = claim_conflicts(glance_on("fast"), live(claim("glance-images", "slow")))
    message = conflicts["glance"]
    assert message.startswith("spec.services.glance.storage.storageClass: ")
    assert "glance-images" in message and "slow" in message and "fast" in message


def test_the_class_inherited_from_the_control_plane_names_spec_storage_class():
    conflicts = claim_conflicts(glance_on(default="fast"), live(claim("glance-images", "slow")))
    assert conflicts["glance"].startswith("spec.storageClass: ")


def test_a_claim_of_the_same_class_or_none_at_all_is_fine():
    assert claim_conflicts(glance_on("fast"), live(claim("glance-images", "fast"))) == {}
    assert claim_conflicts(glance_on("fast"), live()) == {}


def test_the_cluster_default_class_matches_whatever_class_the_claim_got():
    assert claim_conflicts(glance_on(), live(claim("glance-images", "standard"))) == {}


def test_a_claim_being_deleted_is_no_obstacle():
    assert claim_conflicts(glance_on("fast"),
                           live(claim("glance-images", "slow", deleting=True))) == {}
