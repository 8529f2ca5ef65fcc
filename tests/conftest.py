"""Shared fixtures. The suite runs with sockets disabled (pyproject addopts): nothing here
may reach the network, and neither may the product."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RECORDS = FIXTURES / "records"
CORPUS = Path(os.environ.get("REDACTOR_CORPUS", ROOT.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def settings():
    from redactor.settings import Settings

    return Settings()


@pytest.fixture(scope="session")
def policy():
    from redactor.policy import load_policy

    return load_policy()


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture
def records_copy(tmp_path) -> Path:
    dst = tmp_path / "records"
    shutil.copytree(RECORDS, dst)
    return dst
