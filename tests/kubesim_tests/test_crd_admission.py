"""CRDs kube-apiserver refuses are refused here too, through kubectl and raw HTTP.

The Osprey CRD of data/osprey-crd-refused-by-kube.yaml was refused by a real kube-apiserver
for two reasons, reported one after the other as kube reports them (default validation only
runs on a structural schema).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from .support import Http

REFUSED_CRD = Path(__file__).parent / "data" / "osprey-crd-refused-by-kube.yaml"
# Under a group of its own: the session's cluster may hold the current Osprey CRD already.
GROUP = "refused.osprey.dev"
CRD_NAME = f"openstackcontrolplanes.{GROUP}"
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
METADATA_MESSAGE = (
    "spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything "
    "other than name and generateName, but metadata is implicitly specified")
SPEC_DEFAULT = "spec.validation.openAPIV3Schema.properties[spec].default"
NEUTRON_DEFAULT = ("spec.validation.openAPIV3Schema.properties[spec].properties[services]."
                   "properties[neutron].default")


def refused_crd() -> dict[str, Any]:
    crd = yaml.safe_load(REFUSED_CRD.read_text())
    crd["metadata"]["name"] = CRD_NAME
    crd["spec"]["group"] = GROUP
    return crd


def without_metadata_description(crd: dict[str, Any]) -> dict[str, Any]:
    fixed = copy.deepcopy(crd)
    schema = fixed["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    schema["properties"]["metadata"].pop("description")
    return fixed


def test_kubectl_apply_of_the_old_osprey_crd_is_refused_for_its_root_metadata(kube) -> None:
    result = kube.kubectl("apply", "-f", "-", input=yaml.safe_dump(refused_crd()))
    assert result.returncode != 0
    assert (f'The CustomResourceDefinition "{CRD_NAME}" is invalid: {METADATA_MESSAGE}'
            in result.stderr)
    assert "NotFound" in kube.kubectl("get", "crd", CRD_NAME).stderr


def test_the_old_osprey_crd_with_its_metadata_fixed_is_refused_for_its_defaults(kube) -> None:
    body = yaml.safe_dump(without_metadata_description(refused_crd()))
    result = kube.kubectl("apply", "--server-side", "-f", "-", input=body)
    assert result.returncode != 0
    assert (f'{SPEC_DEFAULT}: Invalid value: "object": no such key: services evaluating rule: '
            "keystone requires spec.infrastructure.mariadb.enabled") in result.stderr
    assert (f'{NEUTRON_DEFAULT}: Invalid value: "object": no such key: enabled evaluating rule: '
            "backend cannot change once Neutron is enabled: moving networks between ovs and ovn "
            "is a migration Osprey does not perform") in result.stderr
    assert "NotFound" in kube.kubectl("get", "crd", CRD_NAME).stderr


def test_the_refusal_is_a_422_status_with_kube_apiservers_causes(http: Http) -> None:
    response = http.post(CRDS, refused_crd())
    assert response.status_code == 422
    status = response.json()
    assert status["reason"] == "Invalid"
    assert status["message"] == (
        f'CustomResourceDefinition.apiextensions.k8s.io "{CRD_NAME}" is invalid: '
        f"{METADATA_MESSAGE}")
    assert status["details"]["causes"] == [{
        "reason": "FieldValueForbidden",
        "message": "Forbidden: must not specify anything other than name and generateName, but "
                   "metadata is implicitly specified",
        "field": "spec.validation.openAPIV3Schema.properties[metadata]",
    }]


def test_every_default_rule_failure_is_a_cause_and_the_message_lists_each_once(
        http: Http) -> None:
    status = http.post(CRDS, without_metadata_description(refused_crd())).json()
    causes = status["details"]["causes"]
    spec_rules = refused_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"][
        "properties"]["spec"]["x-kubernetes-validations"]
    assert len(causes) == len(spec_rules) + 1
    assert {c["field"] for c in causes} == {SPEC_DEFAULT, NEUTRON_DEFAULT}
    assert status["message"].count("no such key") == len(
        {c["message"] for c in causes})


def test_an_update_is_judged_by_the_same_rules(http: Http) -> None:
    crd = without_metadata_description(refused_crd())
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    del schema["properties"]["spec"]["default"]
    del schema["properties"]["spec"]["properties"]["services"]["properties"]["neutron"]["default"]
    created = http.post(CRDS, crd)
    assert created.status_code == 201, created.text
    try:
        schema["properties"]["metadata"]["description"] = "Standard object metadata."
        crd["metadata"]["resourceVersion"] = created.json()["metadata"]["resourceVersion"]
        updated = http.put(f"{CRDS}/{CRD_NAME}", crd)
        assert updated.status_code == 422
        assert updated.json()["details"]["causes"][0]["field"] == (
            "spec.validation.openAPIV3Schema.properties[metadata]")
    finally:
        http.delete(f"{CRDS}/{CRD_NAME}")


def test_a_rule_kubesim_cannot_price_is_a_501_not_an_acceptance(http: Http) -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.kubesim.test"},
        "spec": {
            "group": "kubesim.test", "scope": "Namespaced",
            "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
            "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
                "openAPIV3Schema": {"type": "object", "properties": {"spec": {
                    "type": "object", "properties": {"name": {"type": "string"}},
                    "x-kubernetes-validations": [
                        {"rule": "self.name.lowerAscii() == self.name"}],
                }}}}}],
        },
    }
    response = http.post(CRDS, crd)
    assert response.status_code == 501
    assert response.json()["reason"] == "NotImplemented"
    assert "lowerAscii()" in response.json()["message"]
    assert http.get(f"{CRDS}/gadgets.kubesim.test").status_code == 404
