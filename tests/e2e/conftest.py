from __future__ import annotations

import pytest

from tests.e2e.runner import LocalRun


@pytest.fixture(scope="module")
def local_run():
    run = LocalRun()
    yield run
    run.stop()
    assert run.process.returncode is not None  # no process left behind
