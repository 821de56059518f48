"""Fixtures shared by the action adapter tests."""
import pytest

from keqing.kb.loader import load


@pytest.fixture(scope="module")
def kb_url(module_db_url: str, real_kb_dir) -> str:
    """A database of this test module with knowledge/ loaded (migrated first)."""
    load(real_kb_dir, module_db_url)
    return module_db_url
