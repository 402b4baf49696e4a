"""Cluster-scoped objects of the charts, post-rendered for several control planes."""

from __future__ import annotations

import yaml

from osprey.clusterscope import post_render, unhandled
from osprey.shared import shared_manifest

MANIFEST = """---
# Source: nova/templates/nova.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: nova-bootstrap
---
# Source: nova/templates/nova.yaml
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  name: nova-bootstrap
rules:
  - apiGroups: [""]
    resources: [nodes]
    verbs: [get, list]
---
# Source: nova/templates/nova.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: nova-bootstrap
subjects:
  - {kind: ServiceAccount, name: nova-bootstrap, namespace: cloud-a}
roleRef: {kind: ClusterRole, name: nova-bootstrap, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: viewers
roleRef: {kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ovn-controller-list-nodes-role-cloud-a
"""


def objects(text: str) -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(text) if d}


def test_cluster_roles_and_bindings_are_named_after_the_namespace():
    out = objects(post_render(MANIFEST, "cloud-a"))
    assert ("ClusterRole", "nova-bootstrap-cloud-a") in out
    binding = out[("ClusterRoleBinding", "nova-bootstrap-cloud-a")]
    assert binding["roleRef"]["name"] == "nova-bootstrap-cloud-a"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "nova-bootstrap", "namespace": "cloud-a"}]


def test_a_name_that_carries_the_namespace_already_is_kept():
    out = objects(post_render(MANIFEST, "cloud-a"))
    assert ("ClusterRole", "ovn-controller-list-nodes-role-cloud-a") in out


def test_a_namespace_that_is_part_of_a_fixed_name_still_scopes_it():
    out = objects(post_render(MANIFEST, "nova"))
    assert ("ClusterRole", "nova-bootstrap-nova") in out


def test_a_binding_to_a_cluster_role_the_chart_does_not_render_keeps_its_role():
    out = objects(post_render(MANIFEST, "cloud-a"))
    assert out[("ClusterRoleBinding", "viewers-cloud-a")]["roleRef"]["name"] == "view"


def test_namespaced_documents_pass_byte_for_byte():
    out = post_render(MANIFEST, "cloud-a")
    assert out.startswith(MANIFEST.split("---")[0] + "---" + MANIFEST.split("---")[1])
    assert "# Source: nova/templates/nova.yaml\napiVersion: v1\nkind: ServiceAccount" in out


def test_two_namespaces_render_no_common_cluster_role():
    a, b = objects(post_render(MANIFEST, "cloud-a")), objects(post_render(MANIFEST, "cloud-b"))
    assert not {k for k in a if k[0].startswith("Cluster")} & set(b)


CRD = """---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: databases.mariadb.osh.openstack.org
  annotations: {helm.sh/resource-policy: keep}
spec: {group: mariadb.osh.openstack.org}
"""


def test_shared_objects_are_left_out_of_the_release():
    out = objects(post_render(MANIFEST + CRD, "cloud-a"))
    assert not [k for k in out if k[0] == "CustomResourceDefinition"]
    assert ("ServiceAccount", "nova-bootstrap") in out


def test_the_shared_render_holds_the_shared_objects_alone_unchanged():
    out = objects(post_render(MANIFEST + CRD, "cloud-a", shared=True))
    assert list(out) == [("CustomResourceDefinition", "databases.mariadb.osh.openstack.org")]


def test_shared_objects_are_labelled_as_the_clusters():
    crd = next(iter(objects(CRD).values()))
    applied = shared_manifest(crd)
    assert applied["metadata"]["labels"] == {"osprey.dev/shared": "cluster"}
    assert applied["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}
    assert "labels" not in crd["metadata"]


def test_cluster_scoped_kinds_without_a_rule_are_named():
    docs = [{"kind": "PriorityClass", "metadata": {"name": "high"}},
            {"kind": "ClusterRole", "metadata": {"name": "x"}},
            {"kind": "Deployment", "metadata": {"name": "y"}}]
    assert unhandled(docs) == ["PriorityClass/high"]


WATCHED = """---
# Source: keystone/templates/configmap-etc.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: keystone-etc
  labels: {release_group: keystone}
data:
  keystone.conf: |
    [DEFAULT]
    debug = false
---
# Source: keystone/templates/secret-db.yaml
apiVersion: v1
kind: Secret
metadata:
  name: keystone-db-admin
data: {DB_CONNECTION: bXlzcWw=}
"""


def test_every_secret_and_config_map_is_stamped_with_the_watch_label():
    out = objects(post_render(WATCHED, "cloud-a"))
    assert out["ConfigMap", "keystone-etc"]["metadata"]["labels"] == {
        "release_group": "keystone", "osprey.dev/watch": "true"}
    assert out["Secret", "keystone-db-admin"]["metadata"]["labels"] == {
        "osprey.dev/watch": "true"}
    assert out["ConfigMap", "keystone-etc"]["data"] == {
        "keystone.conf": "[DEFAULT]\ndebug = false\n"}


def test_a_stamped_document_keeps_helms_source_comment():
    assert "# Source: keystone/templates/secret-db.yaml\n" in post_render(WATCHED, "cloud-a")


def test_the_stamp_is_the_label_the_watches_are_narrowed_to():
    from osprey.clusterscope import WATCH_STAMP
    from osprey.narrowing import STAMP

    assert WATCH_STAMP == STAMP


CLAIM = """---
# Source: mariadb/templates/mariadb-backup-pvc.yaml
kind: PersistentVolumeClaim
apiVersion: v1
metadata:
  name: mariadb-backup-data
spec:
  accessModes: [ "ReadWriteOnce" ]
  resources: {requests: {storage: 5Gi}}
"""


def test_every_claim_of_a_release_is_kept_by_helm_whatever_the_chart_says():
    out = objects(post_render(CLAIM, "cloud-a"))
    claim = out["PersistentVolumeClaim", "mariadb-backup-data"]
    assert claim["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}
    assert claim["spec"]["resources"] == {"requests": {"storage": "5Gi"}}
    kept = post_render(CLAIM, "cloud-a")
    assert post_render(kept, "cloud-a") == kept, "a kept claim passes unchanged"
