"""Test environment: fake credentials, local table names from the template, moto, and factories.

Settings are read when `casework` is imported, so the environment is set here first.
"""

from __future__ import annotations

import os

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="eu-west-2",
    AWS_REGION="eu-west-2",
    CALLER_CACHE_SECONDS="0",
    POWERTOOLS_METRICS_NAMESPACE="Casework",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_LOG_LEVEL="WARNING",
)
os.environ.pop("AWS_ENDPOINT_URL", None)

from local import faithful, template

faithful.apply()  # moto's DynamoDB made atomic per request, as DynamoDB is (local/faithful.py)

for _function in template.functions().values():
    os.environ.update(template.function_environment(_function))
os.environ["CALLER_CACHE_SECONDS"] = "0"

import boto3  # noqa: E402
import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from tests.support import Api, World, build_world  # noqa: E402


@pytest.fixture
def aws():
    with mock_aws():
        template.create_tables(boto3.client("dynamodb"))
        yield


@pytest.fixture
def world(aws) -> World:
    """Two services (community justice in Scotland, prison in England) with users in every group."""
    return build_world()


@pytest.fixture
def api(aws) -> Api:
    return Api()
