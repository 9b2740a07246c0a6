"""Fixtures of the CLI suite (the helpers are in cliutil.py)."""

import pytest


@pytest.fixture
def db(tmp_path):
    """A path (str) where no store exists yet."""
    return str(tmp_path / "db")
