"""The deployment stays in step with the code: cfn-lint clean, tables match the models, routes match the
resolvers, each function has its own log group and narrow policy, docs/openapi.json is current; and the code keeps
its shape (docs/architecture.md): only the store talks to AWS, no handler is imported, no import circle, thin doors."""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
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


# ---------------------------------------------------------------- the code's shape, read from its imports (ast)


LAYER = ROOT / "layers" / "casework"
PACKAGE = LAYER / "casework"
HANDLERS = sorted((ROOT / "functions").glob("*/app.py"))
AWS_LIBRARIES = {"boto3", "botocore", "pynamodb"}


@dataclass(frozen=True)
class Import:
    file: Path
    line: int
    module: str  # the module imported, made absolute (`from casework.store import audit` gives
    #               `casework.store.audit` when that is a module of the layer, else `casework.store`)
    statement: str  # as written
    name: str  # what the statement names in full (`from approvals import app` names `approvals.app`)

    def __str__(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}: {self.statement}"


def _module_name(file: Path) -> str:
    parts = file.relative_to(LAYER).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer_modules() -> dict[str, Path]:
    return {_module_name(f): f for f in sorted(PACKAGE.rglob("*.py"))}


def _imports(file: Path, modules: dict[str, Path] | None = None) -> Iterator[Import]:
    """Every import of a file, at module level or inside a function (`ast.walk` sees both), made absolute.
    `from package import name` counts as an import of `package.name` when that is a module of the layer."""
    modules = modules if modules is not None else _layer_modules()
    source = file.read_text()
    tree = ast.parse(source, filename=str(file))
    here = _module_name(file).split(".") if file.is_relative_to(LAYER) else []
    is_package = file.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(file, node.lineno, alias.name, ast.get_source_segment(source, node) or "", alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the file's package, one level up per dot beyond the first
                package = here if is_package else here[:-1]
                anchor = package[:len(package) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                yield Import(file, node.lineno, candidate if candidate in modules else base,
                             ast.get_source_segment(source, node) or "", candidate)


def _outside_store() -> list[Path]:
    return [f for f in _layer_modules().values() if not f.is_relative_to(PACKAGE / "store")]


def _top(module: str) -> str:
    return module.split(".")[0]


def test_only_the_store_talks_to_aws():
    """Only `casework/store/` imports boto3, botocore or PynamoDB: the domain calls store functions named after
    what they do, and names AWS's failures through `store.aws`."""
    found = [str(i) for f in _outside_store() for i in _imports(f) if _top(i.module) in AWS_LIBRARIES]
    assert found == [], "only casework/store/ may import boto3, botocore or pynamodb:\n" + "\n".join(found)


def test_the_domain_builds_no_storage_expressions():
    """Outside the store, a model class (`casework.store.models`) is a type and no more: no condition or update
    built from its attributes (`UploadItem.status == "pending"`, `DocumentItem.last_refusal.set(...)`), no query or
    read through it (`CaseItem.query(...)`). Those are store functions named after the change or the access."""
    found = []
    for file in _outside_store():
        tree = ast.parse(file.read_text(), filename=str(file))
        models = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                  and node.module == "casework.store.models" for alias in node.names}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in models:
                found.append(f"{file.relative_to(ROOT)}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert found == [], "storage expressions outside casework/store/:\n" + "\n".join(found)


def _is_handler(module: str) -> bool:
    """`functions/<name>/app.py` however it is named: `functions.<name>.app`, `<name>.app` (as mypy and the
    runtime see it), `functions.<name>` or `functions` (`from functions.<name> import app`), or a bare `app`."""
    names = {f.parent.name for f in HANDLERS}
    parts = module.split(".")
    return (parts[0] == "functions" or module == "app"
            or (len(parts) == 2 and parts[0] in names and parts[1] == "app"))


def test_no_module_outside_functions_imports_a_handler():
    """A handler is a door into the layer, never a module the layer (or another function) builds on."""
    found = [str(i) for f in _layer_modules().values() for i in _imports(f) if _is_handler(i.name)]
    for handler in HANDLERS:
        found += [str(i) for i in _imports(handler) if _is_handler(i.name)]
    assert found == [], "a handler imported outside its function:\n" + "\n".join(found)


def test_every_function_file_is_a_thin_door():
    """A function file parses, calls the domain and shapes the answer: it imports no `casework.store` and no
    boto3, botocore or PynamoDB (what it needs of them, the domain does)."""
    found = []
    for handler in HANDLERS:
        for i in _imports(handler):
            if _top(i.module) in AWS_LIBRARIES or i.module == "casework.store" or \
                    i.module.startswith("casework.store."):
                found.append(str(i))
    assert HANDLERS, "no functions/*/app.py found"
    assert found == [], "function files reaching past the domain:\n" + "\n".join(found)


def _circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One circle through each strongly connected group of modules (Tarjan), as a path that ends where it starts."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    circles = []
    for group in groups:
        members, start = set(group), min(group)
        path, seen = [start], {start}
        while True:  # walk inside the group until a module repeats: that walk's tail is a circle
            nxt = min(n for n in graph[path[-1]] if n in members)
            if nxt in seen:
                circles.append([*path[path.index(nxt):], nxt])
                break
            path.append(nxt)
            seen.add(nxt)
    return circles


def test_no_import_circle_in_the_layer():
    """The modules of the layer import one another one way only, counting imports inside functions too (an
    import moved into a function to dodge a circle is still a circle)."""
    modules = _layer_modules()
    graph: dict[str, dict[str, int]] = {m: {} for m in modules}
    for name, file in modules.items():
        for i in _imports(file, modules):
            if i.module in modules and i.module != name:
                graph[name].setdefault(i.module, i.line)
    circles = _circles(graph)
    shown = [" -> ".join(c) + "\n    " + ", ".join(
        f"{modules[a].relative_to(ROOT)}:{graph[a][b]}" for a, b in itertools.pairwise(c)) for c in circles]
    assert circles == [], "import circle(s) in the layer:\n" + "\n".join(shown)
