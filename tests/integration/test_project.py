"""The deployment stays in step with the code: cfn-lint clean, tables match the models, routes match the
resolvers, each function has its own log group and narrow policy, docs/openapi.json is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.api import lint

from local import openapi, template

ROOT = Path(__file__).resolve().parents[2]


def test_template_is_cfn_lint_clean():
    """As `cfn-lint template.yaml` runs it: no errors, no warnings."""
    matches = lint(template.TEMPLATE.read_text(), regions=["eu-west-2", "us-east-1"])
    assert [str(m) for m in matches] == []


@pytest.mark.parametrize("logical_id", sorted(template.tables()))
def test_table_keys_and_indexes_match_the_models(logical_id):
    from casework.store import models

    props = template.tables()[logical_id]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    declared = {
        index["IndexName"]: [(k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]]
        for index in props.get("GlobalSecondaryIndexes", [])
    }
    in_code = {}
    for model in vars(models).values():
        if isinstance(model, type) and hasattr(model, "Meta") and getattr(model.Meta, "table_name", None) == \
                template.local_name(logical_id):
            for attribute in vars(model).values():
                meta = getattr(type(attribute), "Meta", None)
                if meta is not None and hasattr(meta, "index_name"):
                    keys = [(a.attr_name, "HASH" if a.is_hash_key else "RANGE") for a in meta.attributes.values()]
                    in_code[meta.index_name] = sorted(keys, key=lambda k: k[1] != "HASH")
    assert in_code == declared


def test_every_route_in_the_template_is_served_by_its_function_and_no_other():
    for function in template.functions().values():
        app = template.import_handler_module(function).app
        served = {f"{method} {path}" for (path, method, *_rest) in _routes_of(app)}
        declared = {r.key for r in template.routes() if r.function == function.logical_id}
        assert served == declared, function.logical_id


def _routes_of(app):
    for route in app._static_routes + app._dynamic_routes:
        path = route.openapi_path
        yield path, route.method.upper()


@pytest.mark.parametrize("logical_id", sorted(template.functions()))
def test_each_function_has_a_log_group_with_retention_an_alarm_and_a_narrow_policy(logical_id):
    resources = template.load()["Resources"]
    props = resources[logical_id]["Properties"]
    log_group = props["LoggingConfig"]["LogGroup"]["Ref"]
    assert resources[log_group]["Type"] == "AWS::Logs::LogGroup"
    assert "RetentionInDays" in resources[log_group]["Properties"]
    alarms = [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"
              and {"Name": "FunctionName", "Value": {"Ref": logical_id}} in r["Properties"].get("Dimensions", [])]
    assert alarms, "no errors alarm"
    statements = [s for policy in props["Policies"] for s in policy["Statement"]]
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in a for a in actions), statement
        assert statement["Resource"] != "*"
        assert "dynamodb:Scan" not in actions


def test_no_scan_on_any_request_path():
    code = list((ROOT / "functions").rglob("*.py")) + list((ROOT / "layers").rglob("*.py"))
    assert not [p for p in code if ".scan(" in p.read_text() or "Scan" in p.read_text().replace("Scanned", "")]


def test_openapi_document_is_current():
    """`make openapi` regenerates docs/openapi.json; this fails when it is stale."""
    assert openapi.DOC.exists(), "run `make openapi`"
    assert openapi.DOC.read_text() == openapi.render(), "docs/openapi.json is stale: run `make openapi`"


def test_transfer_file_schema_is_current():
    """`make openapi` also writes the transfer file's JSON Schema from its pydantic model."""
    assert openapi.TRANSFER_SCHEMA.read_text() == openapi.render_transfer_schema(), "run `make openapi`"


def test_make_openapi_check_mode_agrees():
    result = subprocess.run([sys.executable, "-m", "local.openapi", "--check"], cwd=ROOT, capture_output=True,
                            text=True, env={"PYTHONPATH": f"{ROOT}:{ROOT / 'layers' / 'casework'}", "PATH": "/usr/bin"})
    assert result.returncode == 0, result.stderr
