"""Logger, metrics and (opt-in) tracer: one place, so every function observes the same way.

Powertools' Tracer imports the X-Ray SDK (~300 ms of cold start even when disabled), so it is
loaded only when CASEWORK_TRACER=on; Lambda's own active tracing still records each invocation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from casework.config import settings

logger = Logger(service="casework")
metrics = Metrics(namespace="Casework", service="casework")



def count(name: str, value: int = 1) -> None:
    """One business event (a case opened, a case assigned) as an EMF metric."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def traced(handler: Handler) -> Handler:
    if not settings.tracer_enabled:
        return handler
    from aws_lambda_powertools import Tracer

    return Tracer(service="casework").capture_lambda_handler(handler)
