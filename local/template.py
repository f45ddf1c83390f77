"""Reads `template.yaml`: the routes, tables, functions (and later queues and schedules) the local run drives.

The local run never keeps a second list: whatever the template declares is what runs here.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
# CASEWORK_TEMPLATE lets the runner's own tests drive a small template of test resources.
TEMPLATE = Path(os.environ.get("CASEWORK_TEMPLATE") or ROOT / "template.yaml")
LAYER = ROOT / "layers" / "casework"


class _CfnLoader(yaml.SafeLoader):
    pass


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{suffix}", node.start_mark)
    return {name: value}


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: _intrinsic(loader, suffix, node))


@lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)
    return loaded


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{([^}/]+)\}", r"(?P<\1>[^/]+)", self.path) + "$")

    @property
    def specificity(self) -> tuple[int, int]:
        """API Gateway prefers literal segments over parameters."""
        return (-self.path.count("{"), len(self.path))


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_uri: str
    handler: str
    environment: dict[str, Any] = field(default_factory=dict)
    timeout: int = 3  # seconds, Lambda's default when neither the function nor Globals says

    @property
    def name(self) -> str:
        return Path(self.code_uri).name


def resources(kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in load()["Resources"].items() if v.get("Type") == kind}


def functions() -> dict[str, Function]:
    globals_ = load().get("Globals", {}).get("Function", {})
    env = globals_.get("Environment", {}).get("Variables", {})
    out = {}
    for logical_id, res in resources("AWS::Serverless::Function").items():
        props = res["Properties"]
        variables = {**env, **props.get("Environment", {}).get("Variables", {})}
        timeout = int(props.get("Timeout", globals_.get("Timeout", 3)))
        out[logical_id] = Function(logical_id, props["CodeUri"], props["Handler"], variables, timeout)
    return out


def routes() -> list[Route]:
    found = []
    for logical_id, res in resources("AWS::Serverless::Function").items():
        for event in res["Properties"].get("Events", {}).values():
            if event.get("Type") == "HttpApi":
                found.append(Route(event["Properties"]["Method"].upper(), event["Properties"]["Path"], logical_id))
    return sorted(found, key=lambda r: r.specificity, reverse=True)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in routes():
        if route.method == method.upper():
            m = route.pattern.match(path)
            if m:
                return route, m.groupdict()
    return None


def tables() -> dict[str, dict[str, Any]]:
    return resources("AWS::DynamoDB::Table")


def local_name(logical_id: str) -> str:
    """The physical name a resource gets in the local run (CloudFormation names them in AWS)."""
    return "casework-" + re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()


ACCOUNT = "123456789012"


def resolve(value: Any) -> Any:
    """Intrinsics as the local run resolves them (what CloudFormation would give, for local resources)."""
    region = os.environ.get("AWS_DEFAULT_REGION", "eu-west-2")
    if isinstance(value, dict) and "Ref" in value:
        ref = value["Ref"]
        resource = load()["Resources"].get(ref)
        if resource is None:
            return str(load().get("Parameters", {}).get(ref, {}).get("Default", ""))
        if resource["Type"] == "AWS::SQS::Queue":
            endpoint = os.environ.get("AWS_ENDPOINT_URL", f"https://sqs.{region}.amazonaws.com")
            return f"{endpoint}/{ACCOUNT}/{local_name(ref)}"
        return local_name(ref)
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        ref, attribute = value["Fn::GetAtt"]
        kind = load()["Resources"][ref]["Type"]
        if attribute == "Arn" and kind == "AWS::SQS::Queue":
            return f"arn:aws:sqs:{region}:{ACCOUNT}:{local_name(ref)}"
        if attribute == "Arn" and kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{local_name(ref)}"
        if attribute == "QueueName":
            return local_name(ref)
        return f"arn:aws:local:{region}:{ACCOUNT}:{local_name(ref)}"
    return value


def function_environment(function: Function) -> dict[str, str]:
    return {k: str(resolve(v)) for k, v in function.environment.items()}


_importing = threading.Lock()


def import_handler_module(function: Function, instance: int = 0) -> ModuleType:
    """Import a function's handler module by file, under a unique name (each is `app.py`). `instance` > 0 imports
    another copy of it: its own resolver, as another Lambda instance of the function would have."""
    with _importing:  # two first requests at once must not see a half-loaded module
        return _import(function, instance)


def _import(function: Function, instance: int = 0) -> ModuleType:
    module_file, _ = function.handler.rsplit(".", 1)
    if str(LAYER) not in sys.path:
        sys.path.insert(0, str(LAYER))
    name = f"casework_function_{function.name}" + (f"_{instance}" if instance else "")
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TEMPLATE.parent / function.code_uri / f"{module_file}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def handler_of(function: Function, instance: int = 0) -> Any:
    return getattr(import_handler_module(function, instance), function.handler.rsplit(".", 1)[1])


def create_tables(client: Any) -> None:
    """Create every table of the template through a boto3 DynamoDB client (moto's)."""
    existing = set(client.list_tables()["TableNames"])
    for logical_id, res in tables().items():
        name = local_name(logical_id)
        if name in existing:
            continue
        props = res["Properties"]
        kwargs: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        client.create_table(**kwargs)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
