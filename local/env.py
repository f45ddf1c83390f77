"""Environment for a process that runs the handlers locally: set before `casework` is imported."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import tempfile

from local import template


def credentials() -> None:
    """Fake credentials and a region: moto needs them, and nothing here may reach a real account."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-2")
    os.environ.setdefault("AWS_REGION", os.environ["AWS_DEFAULT_REGION"])


def configure(endpoint_url: str | None) -> None:
    credentials()
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    if endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    if "CASEWORK_LOCAL_CLOCK" not in os.environ:  # this run's movable clock (casework.clock), for every instance
        handle, path = tempfile.mkstemp(prefix="casework-clock-")
        os.close(handle)
        os.environ["CASEWORK_LOCAL_CLOCK"] = path
        atexit.register(_remove, path)
    if str(template.LAYER) not in sys.path:
        sys.path.insert(0, str(template.LAYER))
    for function in template.functions().values():
        for key, value in template.function_environment(function).items():
            os.environ[key] = value


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
