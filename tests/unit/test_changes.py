"""The change view's logic (infra/plan/changes.py) and the guard's rules (infra/plan/guard.py) on
resources built by hand: pairing, diffs, replacements, dependent replacements, step order."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from components.errors import SECRET_MASK
from components.recording import RecordedResource
from infra.plan.changes import ABSENT, changes, diff_values, path_key, show_value
from infra.plan.guard import (
    CREATE_ONLY,
    DATA_LOSS,
    DEPLOYMENT,
    SAME_AZURE_NAME,
    TRAFFIC,
    guard,
    live_traffic,
)

STORAGE = "azure-native:storage:StorageAccount"
CONTAINER = "azure-native:storage:BlobContainer"
LOCK = "azure-native:authorization:ManagementLockByScope"
COMPUTE = "azure-native:machinelearningservices:Compute"
ACCOUNT_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stdata"


def resource(
    name: str,
    type_: str,
    inputs: dict[str, Any],
    *,
    deps: tuple[str, ...] = (),
    outputs: dict[str, Any] | None = None,
    urn: str | None = None,
    **options: Any,
) -> RecordedResource:
    return RecordedResource(
        urn=urn or f"urn:pulumi:dev::amlstack::{type_}::{name}",
        type=type_,
        name=name,
        custom=True,
        parent="",
        inputs=inputs,
        dependencies=deps,
        protect=False,
        outputs=outputs or {},
        **options,
    )


def account(**inputs: Any) -> RecordedResource:
    base = {"accountName": "stdata", "location": "westeurope", "resourceGroupName": "rg"}
    outputs = {"id": ACCOUNT_ID, "name": "stdata"}
    return resource("data", STORAGE, base | inputs, outputs=outputs)


def ops(before: list[RecordedResource], after: list[RecordedResource]) -> list[str]:
    _, steps = changes(before, after)
    return [f"{s.op} {s.change.resource.name}" for s in steps]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text("ab", max_size=2),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text("xyz", max_size=2), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(_JSON)
def test_a_value_has_no_diff_with_itself(value: Any) -> None:
    assert list(diff_values(value, value)) == []


@given(_JSON, _JSON)
def test_values_differ_exactly_when_some_path_differs(old: Any, new: Any) -> None:
    found = list(diff_values(old, new))
    same = json.dumps(old, sort_keys=True) == json.dumps(new, sort_keys=True)
    assert (found == []) == same
    assert len({path for path, _, _ in found}) == len(found)  # each path once


def test_paths_are_dotted_with_indexes_and_quote_odd_keys() -> None:
    old = {"traffic": {"blue": 90, "green": 10}, "rules": [{"port": 1}], "tags": {"a.b": "x"}}
    new = {"traffic": {"blue": 70, "green": 30}, "rules": [{"port": 2}, {"port": 3}], "tags": {}}
    assert list(diff_values(old, new)) == [
        ("rules[0].port", 1, 2),
        ("rules[1]", ABSENT, {"port": 3}),
        ('tags["a.b"]', "x", ABSENT),
        ("traffic.blue", 90, 70),
        ("traffic.green", 10, 30),
    ]
    assert path_key("", "cost-center") == "cost-center"
    assert show_value(ABSENT) == "(none)"
    assert show_value("westeurope") == '"westeurope"'


def test_a_boolean_is_not_the_number_one() -> None:
    assert list(diff_values({"a": True}, {"a": 1})) == [("a", True, 1)]


def test_a_tag_edit_is_an_update_and_a_location_edit_a_replacement() -> None:
    [tagged], _ = changes([account()], [account(tags={"team": "ml"})])
    assert (tagged.op, [(d.path, d.replaces) for d in tagged.diffs]) == (
        "update",
        [("tags", None)],
    )
    [moved], steps = changes([account()], [account(location="northeurope")])
    assert moved.op == "replace"
    assert moved.delete_first  # its Azure name stays: the old one goes first
    assert [d.document() for d in moved.diffs] == [
        {"path": "location", "old": "westeurope", "new": "northeurope", "replaces": True}
    ]
    assert [s.op for s in steps] == ["delete", "create"]


def test_unchanged_resources_and_the_pickled_provider_are_left_out() -> None:
    before = resource("t", TRAFFIC, {"__provider": "old-pickle", "traffic": {"blue": 100}})
    after = resource("t", TRAFFIC, {"__provider": "new-pickle", "traffic": {"blue": 100}})
    assert changes([account(), before], [account(), after]) == ((), ())


def test_a_secret_shows_masked_and_a_changed_secret_cannot_be_seen() -> None:
    before = account(tags={"owner": SECRET_MASK})
    assert changes([before], [account(tags={"owner": SECRET_MASK})]) == ((), ())
    [change], _ = changes([account()], [before])
    assert SECRET_MASK in json.dumps(change.document())


def test_a_create_only_input_is_an_update_azure_refuses_unless_the_program_replaces() -> None:
    old = resource("cpu", COMPUTE, {"properties": {"properties": {"vmSize": "Standard_DS3_v2"}}})
    new = resource("cpu", COMPUTE, {"properties": {"properties": {"vmSize": "Standard_DS4_v2"}}})
    [change], _ = changes([old], [new])
    [diff] = change.diffs
    assert (change.op, diff.path, diff.replaces) == ("update", "properties.properties.vmSize", None)
    assert diff.fixed
    [finding] = guard([change], allow=(), live={}).results
    assert (finding.policy, finding.level) == (CREATE_ONLY, "mandatory")
    assert "Azure cannot change properties.properties.vmSize" in finding.message
    replaced = resource(
        "cpu",
        COMPUTE,
        new.inputs,
        replace_on_changes=("properties.properties.vmSize",),
        delete_before_replace=True,
    )
    [change], _ = changes([old], [replaced])
    assert change.op == "replace"
    assert "replace_on_changes" in str(change.diffs[0].replaces)
    assert guard([change], allow=(), live={}).results == ()  # a cluster holds no data


def test_a_wildcard_option_covers_the_paths_below_it() -> None:
    old = resource("x", COMPUTE, {"settings": [{"size": 1}]})
    new = resource("x", COMPUTE, {"settings": [{"size": 2}]}, replace_on_changes=("settings[*].*",))
    [change], _ = changes([old], [new])
    assert change.op == "replace"


def test_an_aliased_move_is_the_same_resource() -> None:
    old = account()
    moved = resource(
        "data",
        STORAGE,
        old.inputs,
        urn="urn:pulumi:dev::amlstack::amlstack:x:Parent$azure-native:storage:StorageAccount::data",
        aliases=(old.urn,),
    )
    assert changes([old], [moved]) == ((), ())
    [change], _ = changes(
        [old],
        [
            resource(
                moved.name, STORAGE, {**old.inputs, "tags": {}}, urn=moved.urn, aliases=(old.urn,)
            )
        ],
    )
    assert (change.op, change.moved_from) == ("update", old.urn)


def test_a_new_urn_without_alias_is_a_create_and_a_delete_that_collide_in_azure() -> None:
    old = account()
    renamed = resource("data-renamed", STORAGE, old.inputs)
    found, steps = changes([old], [renamed])
    assert [s.op for s in steps] == ["create", "delete"]  # deletes come last
    results = {r.policy: r for r in guard(found, allow=(), live={}).results}
    assert "same Azure resource" in results[SAME_AZURE_NAME].message
    assert results[DATA_LOSS].urn == old.urn


def test_a_delete_first_replacement_replaces_what_takes_its_id_first() -> None:
    container = resource(
        "raw",
        CONTAINER,
        {"accountName": "stdata", "containerName": "raw", "resourceGroupName": "rg"},
        deps=(account().urn,),
    )
    lock = resource(
        "lock",
        LOCK,
        {"lockName": "keep", "scope": ACCOUNT_ID, "level": "CanNotDelete"},
        deps=(account().urn,),
    )
    found, steps = changes(
        [account(), container, lock], [account(location="northeurope"), container, lock]
    )
    assert {c.resource.name: c.op for c in found} == {
        "data": "replace",
        "raw": "replace",
        "lock": "replace",
    }
    by_name = {c.resource.name: c for c in found}
    assert (
        by_name["raw"].because == "its accountName is data's, which is deleted and re-created first"
    )
    assert "its scope is data's" in str(by_name["lock"].because)
    order = [f"{s.op} {s.change.resource.name}" for s in steps]
    assert order.index("delete lock") < order.index("delete data")
    assert order.index("delete raw") < order.index("delete data")
    assert order.index("delete data") < order.index("create data")
    assert order.index("create data") < order.index("create raw")


def test_a_create_first_replacement_deletes_the_old_one_last() -> None:
    before = resource("t", TRAFFIC, {"endpointId": "/e1", "traffic": {"blue": 100}})
    after = resource("t", TRAFFIC, {"endpointId": "/e2", "traffic": {"blue": 100}})
    extra = account()
    steps = ops([before], [after, extra])
    assert sorted(steps) == ["create data", "create t", "delete t"]
    assert steps[-1] == "delete t"


def deployment(name: str, **properties: Any) -> RecordedResource:
    inputs = {
        "deploymentName": name,
        "endpointName": "ept",
        "workspaceName": "mlw",
        "resourceGroupName": "rg",
        "location": "westeurope",
        "properties": {"instanceType": "Standard_DS3_v2", **properties},
    }
    return resource(
        f"credit-{name}",
        DEPLOYMENT,
        inputs,
        replace_on_changes=("properties.instanceType",),
        delete_before_replace=True,
    )


def split(**traffic: int) -> RecordedResource:
    endpoint = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices"
    endpoint += "/workspaces/mlw/onlineEndpoints/ept"
    return resource("credit-traffic", TRAFFIC, {"endpointId": endpoint, "traffic": traffic})


def test_live_traffic_maps_each_deployment_to_its_share() -> None:
    before = [deployment("blue"), deployment("green"), split(blue=90, green=10)]
    assert live_traffic(before) == {before[0].urn: 90, before[1].urn: 10}
    assert live_traffic([deployment("blue"), split(blue=0, green=100)]) == {}


def test_resizing_a_live_deployment_is_refused_with_how_to_roll() -> None:
    before = [deployment("blue"), split(blue=100)]
    after = [deployment("blue", instanceType="Standard_F8s_v2"), split(blue=100)]
    found, _ = changes(before, after)
    [result] = guard(found, allow=(), live=live_traffic(before)).results
    assert (result.policy, result.level) == (DATA_LOSS, "mandatory")
    assert "carries 100% of the endpoint's live traffic" in result.message
    assert "add a deployment with the new settings at 0% traffic" in result.message
    allowed = guard(found, allow=("credit-blue",), live=live_traffic(before))
    assert [r.level for r in allowed.results] == ["waived"]
    assert allowed.unused_allows == ()


def test_resizing_a_deployment_without_live_traffic_is_a_plain_replacement() -> None:
    before = [deployment("blue"), deployment("green"), split(blue=100, green=0)]
    after = [
        deployment("blue"),
        deployment("green", instanceType="Standard_F8s_v2"),
        split(blue=100, green=0),
    ]
    found, _ = changes(before, after)
    assert [(c.resource.name, c.op) for c in found] == [("credit-green", "replace")]
    assert guard(found, allow=("credit-blue",), live=live_traffic(before)).results == ()
    assert guard(found, allow=("credit-blue",), live=live_traffic(before)).unused_allows == (
        "credit-blue",
    )


def test_model_and_code_edits_update_a_live_deployment_in_place() -> None:
    before = [
        deployment("blue", model="azureml:credit:1", codeConfiguration={"codeId": "/c/1"}),
        split(blue=100),
    ]
    after = [
        deployment("blue", model="azureml:credit:2", codeConfiguration={"codeId": "/c/2"}),
        split(blue=100),
    ]
    [change], _ = changes(before, after)
    assert change.op == "update"
    assert [(d.path, d.fixed) for d in change.diffs] == [
        ("properties.codeConfiguration.codeId", None),
        ("properties.model", None),
    ]
    assert guard([change], allow=(), live=live_traffic(before)).results == ()


def test_the_document_has_the_contract_keys() -> None:
    [change], _ = changes([split(blue=90, green=10)], [split(blue=70, green=30)])
    document = change.document()
    assert sorted(document) == ["diffs", "op", "type", "urn"]
    assert document["diffs"][0] == {"path": "traffic.blue", "old": 90, "new": 70, "replaces": False}
