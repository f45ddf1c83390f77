"""Cold import time of each function's handler module against a bare `import boto3`.

Each sample is a fresh interpreter of a virtual environment holding only the runtime
dependencies (`.venv-bench`: the layer's requirements plus the boto3 that Lambda's runtime
ships). The clock runs inside the child, around the import only, so interpreter start-up is
not counted. The handler module is imported the way Lambda does: its function directory and
the layer first on `sys.path`, the function's environment from `template.yaml`, `import app`.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import ROOT, table
from local import template

VENV = ROOT / ".venv-bench"
REQUIREMENTS = ROOT / "layers" / "casework" / "requirements.txt"
BOTO3 = "boto3==1.44.5"  # what the Lambda runtime provides next to the layer
TARGET_RATIO = 1.5
MARKER = "@@bench-import@@"

# As tests/conftest.py sets them before importing a handler (the function's own variables win).
BASE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-2",
    "AWS_REGION": "eu-west-2",
    "CALLER_CACHE_SECONDS": "0",
    "POWERTOOLS_METRICS_NAMESPACE": "Casework",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}

CHILD = """\
import json, sys, time
sys.path[:0] = {paths!r}
if {importtime!r}:
    sys.stderr.write({marker!r} + "\\n"); sys.stderr.flush()
t0 = time.perf_counter()
{statement}
t1 = time.perf_counter()
{check}
own = [m.__file__ for m in list(sys.modules.values())
       if getattr(m, "__file__", None) and any(m.__file__.startswith(p) for p in {paths!r})]
print(json.dumps({{"ms": (t1 - t0) * 1e3, "modules": len(sys.modules), "boto3": "boto3" in sys.modules,
                  "own_files": sorted(own)}}))
"""


@dataclass(frozen=True)
class Target:
    name: str
    statement: str  # the timed import
    check: str  # run after the clock stops: the import gave what Lambda needs
    paths: tuple[str, ...]
    cwd: Path
    env: dict[str, str]


def ensure_venv(log: Any = print) -> Path:
    """The runtime-only environment, made once and remade only when the requirements change."""
    key = hashlib.sha256((REQUIREMENTS.read_text() + BOTO3).encode()).hexdigest()[:12]
    python = VENV / "bin" / "python"
    stamp = VENV / f".installed-{key}"
    if python.exists() and stamp.exists():
        return python
    base = os.environ.get("BENCH_PYTHON") or shutil.which("python3") or sys.executable
    log(f"making {VENV.name} ({base} -m venv; pip install -r {REQUIREMENTS.relative_to(ROOT)} {BOTO3}) ...")
    if not python.exists():
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(REQUIREMENTS), BOTO3], check=True, stdout=subprocess.DEVNULL)
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()
    ignored = subprocess.run(["git", "check-ignore", "-q", str(VENV) + "/"], cwd=ROOT).returncode == 0
    if not ignored:
        log(f"warning: {VENV.name}/ is not ignored by git (.gitignore should have `.venv-*/`)")
    return python


def targets(log: Any = print) -> list[Target]:
    layer = str(ROOT / "layers" / "casework")
    found = []
    for function in template.functions().values():
        handler_file = ROOT / function.code_uri / (function.handler.rsplit(".", 1)[0] + ".py")
        if not handler_file.exists():
            log(f"skipped {function.logical_id}: {handler_file.relative_to(ROOT)} does not exist")
            continue
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **BASE_ENV}
        env.update(template.function_environment(function))
        module, attr = function.handler.rsplit(".", 1)
        code = ROOT / function.code_uri
        found.append(Target(function.name, f"import {module}", f"assert callable({module}.{attr})",
                            (str(code), layer), code, env))
    return sorted(found, key=lambda t: t.name)


def boto3_target(like: Target) -> Target:
    return Target("boto3", "import boto3", "assert callable(boto3.client)", (), like.cwd, like.env)


def third_party_modules(files: list[str]) -> list[str]:
    """What these source files import from their dependencies at module level (not lazily)."""
    found: set[str] = set()
    for file in files:
        for node in ast.parse(Path(file).read_text()).body:
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            for name in names:
                root = name.split(".", 1)[0]
                if root not in sys.stdlib_module_names and root not in ("casework", "__future__", "app"):
                    found.add(name)
    return sorted(found)


def dependencies_target(function: Target, own_files: list[str]) -> Target:
    """Only the third-party modules that the function's own code (handler and layer modules it loads)
    imports at module level, none of casework: the floor under that function's import time."""
    modules = third_party_modules(own_files)
    return Target(f"{function.name} dependencies", "import " + ", ".join(modules), "pass", (), function.cwd,
                  function.env)


def _run(python: Path, target: Target, *, importtime: bool = False) -> subprocess.CompletedProcess[str]:
    code = CHILD.format(paths=list(target.paths), importtime=importtime, marker=MARKER, statement=target.statement,
                        check=target.check)
    args = [str(python), "-I", *(["-X", "importtime"] if importtime else []), "-c", code]
    done = subprocess.run(args, cwd=target.cwd, env=target.env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"importing {target.name} failed:\n{done.stderr[-3000:]}")
    return done


def sample(python: Path, target: Target) -> dict[str, Any]:
    return json.loads(_run(python, target).stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)$")


def import_profile(python: Path, target: Target, top: int = 8) -> dict[str, Any]:
    """`python -X importtime` of one child: what the measured import costs, module by module."""
    stderr = _run(python, target, importtime=True).stderr
    _, _, after = stderr.partition(MARKER + "\n")
    rows = []
    for line in after.splitlines():
        m = _LINE.match(line)
        if m:
            rows.append((m.group(4), int(m.group(1)) / 1e3, int(m.group(2)) / 1e3, (len(m.group(3)) - 1) // 2))
    via: dict[int, int] = {}  # row -> the row that imported it (children are printed before their parent)
    pending: list[int] = []
    for i, (_, _, _, depth) in enumerate(rows):
        while pending and rows[pending[-1]][3] > depth:
            via[pending.pop()] = i
        pending.append(i)
    measured = {target.statement.removeprefix("import ").split(",")[0].strip()}
    total = sum(cum for _, _, cum, depth in rows if depth == 0)
    by_cumulative: list[int] = []
    seen: set[str] = set()  # a submodule imported before its package shows twice: keep the larger
    for i in sorted(range(len(rows)), key=lambda i: rows[i][2], reverse=True):
        if rows[i][0] not in measured and rows[i][0] not in seen and len(by_cumulative) < top:
            seen.add(rows[i][0])
            by_cumulative.append(i)

    def chain(i: int) -> list[str]:
        out = []
        while i in via:
            i = via[i]
            out.append(rows[i][0])
        return out

    packages: dict[str, float] = {}
    for name, self_ms, _, _ in rows:
        root = name.split(".", 1)[0]
        packages[root] = packages.get(root, 0.0) + self_ms
    return {
        "note": "one child under -X importtime (instrumented, so slower than the timed runs)",
        "total_ms": round(total, 1),
        "modules_imported": len(rows),
        "top_cumulative": [{"module": rows[i][0], "cumulative_ms": round(rows[i][2], 1),
                            "self_ms": round(rows[i][1], 1), "imported_by": chain(i)} for i in by_cumulative],
        "self_ms_by_package": [{"package": p, "self_ms": round(ms, 1)}
                               for p, ms in sorted(packages.items(), key=lambda kv: kv[1], reverse=True)[:10]],
    }


def run(runs: int = 7, log: Any = print) -> dict[str, Any]:
    python = ensure_venv(log)
    version = subprocess.run([str(python), "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True, check=True).stdout.strip()
    load_before = os.getloadavg()
    functions = targets(log)
    baseline = boto3_target(functions[0])
    # The first (discarded) import of each handler warms the .pyc caches and says which files it loads.
    floors = {f.name: dependencies_target(f, sample(python, f)["own_files"]) for f in functions}
    everything = [baseline, *functions, *floors.values()]
    for target in everything:  # warm the .pyc caches; discarded
        sample(python, target)
    samples: dict[str, list[dict[str, Any]]] = {t.name: [] for t in everything}
    for _ in range(runs):  # interleaved, so drift on the machine hits every target alike
        for target in everything:
            samples[target.name].append(sample(python, target))

    def summary(target: Target) -> dict[str, Any]:
        times = [s["ms"] for s in samples[target.name]]
        first = samples[target.name][0]
        return {
            "imports": target.statement,
            "median_ms": round(statistics.median(times), 1),
            "min_ms": round(min(times), 1),
            "samples_ms": [round(t, 1) for t in times],
            "modules_loaded": first["modules"],
            "loads_boto3": first["boto3"],
            "profile": import_profile(python, target),
        }

    boto3_result = summary(baseline)
    boto3_ms = boto3_result["median_ms"]
    results: dict[str, Any] = {}
    rows = []
    for target in functions:
        mine, floor = summary(target), summary(floors[target.name])
        ratio, floor_ratio = mine["median_ms"] / boto3_ms, floor["median_ms"] / boto3_ms
        results[target.name] = {
            **mine,
            "handler": str((target.cwd / (target.statement.split()[-1] + ".py")).relative_to(ROOT)),
            "boto3_median_ms": boto3_ms,
            "ratio": round(ratio, 2),
            "meets_target": ratio <= TARGET_RATIO,
            "dependencies_only": {**floor, "ratio": round(floor_ratio, 2)},
            "casework_share_ms": round(mine["median_ms"] - floor["median_ms"], 1),
        }
        rows.append([target.name, f"{mine['median_ms']:.1f}", f"{boto3_ms:.1f}", f"{ratio:.2f}",
                     "yes" if ratio <= TARGET_RATIO else "NO", f"{floor['median_ms']:.1f}", f"{floor_ratio:.2f}",
                     "yes" if mine["loads_boto3"] else "no", mine["modules_loaded"]])
    load_after = os.getloadavg()

    log(f"\nCold import time (median of {runs} fresh {python.parent.parent.name} interpreters, Python {version}; "
        f"interpreter start-up excluded; load average {load_before[0]:.1f} -> {load_after[0]:.1f})")
    log(table(["function", "import app ms", "import boto3 ms", "ratio", f"<= {TARGET_RATIO}", "deps only ms",
               "deps ratio", "loads boto3", "modules"], rows, right={1, 2, 3, 5, 6, 8}))
    log("deps only: the third-party modules the function's own code imports at module level, without casework "
        "(the floor under the handler's time)")
    for target in functions:
        profile = results[target.name]["profile"]
        costly = ", ".join(f"{p['package']} {p['self_ms']:.0f}" for p in profile["self_ms_by_package"][:6])
        log(f"  {target.name}: self ms by package (-X importtime): {costly}")
    return {
        "benchmark": "imports",
        "what": "cold import time of each function's handler module vs a bare `import boto3`",
        "method": {
            "runs": runs,
            "statistic": "median",
            "interpreter": str(python.relative_to(ROOT)),
            "interpreter_python": version,
            "requirements": [str(REQUIREMENTS.relative_to(ROOT)), BOTO3],
            "sys_path_first": ["functions/<name>", "layers/casework"],
            "environment": "tests/conftest.py's variables, then the function's from template.yaml",
            "warm_pyc_run_discarded": True,
            "timer": "time.perf_counter() around the import, inside the child",
            "dependencies_only": "the third-party modules imported at module level by the files the handler "
                                 "loads (its app.py and the casework modules), without casework: the floor",
            "load_average": {"before": load_before, "after": load_after},
        },
        "target_ratio": TARGET_RATIO,
        "boto3": boto3_result,
        "functions": results,
    }
