"""Shared pytest fixtures: database URLs on SQLite and on a real PostgreSQL server.

`db_url` is parametrised over both backends and gives an empty, fresh database per test.
PostgreSQL is started once per session (tests/servers.py); when its binaries are missing the
postgresql params are skipped, unless $CI is set, then they fail.
"""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Callable, Iterator, List, Tuple

import pytest

_TESTS = Path(__file__).resolve().parent
# `import keqing` without an installed package, and `import servers` from any rootdir.
for _path in (_TESTS.parent, _TESTS):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from servers import PostgresServer, RedisServer, ServerUnavailable  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = REPO / "knowledge"
FIXTURE_KB = Path(__file__).resolve().parent / "fixtures" / "knowledge"
BACKENDS = ["sqlite", "postgresql"]


def unavailable(reason: str) -> None:
    """Skip, or fail when running under CI where every dependency must be present."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer.start()
    except ServerUnavailable as exc:
        unavailable(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    try:
        server = RedisServer.start()
    except ServerUnavailable as exc:
        unavailable(str(exc))
    try:
        yield server
    finally:
        server.stop()


class DatabaseFactory:
    """Creates fresh databases on one backend and removes them all in `close()`."""

    def __init__(self, request: pytest.FixtureRequest, backend: str, tmp_dir: Path):
        self.request, self.backend, self.tmp_dir = request, backend, tmp_dir
        self._created: List[Tuple[str, str]] = []  # (url, postgres database name or "")

    def __call__(self) -> str:
        if self.backend == "sqlite":
            url = f"sqlite:///{self.tmp_dir / ('keqing-' + uuid.uuid4().hex[:8] + '.db')}"
            self._created.append((url, ""))
            return url
        server: PostgresServer = self.request.getfixturevalue("pg_server")
        name = "t_" + uuid.uuid4().hex[:12]
        url = server.create_database(name)
        self._created.append((url, name))
        return url

    def close(self) -> None:
        from keqing.db import dispose_engine

        for url, name in reversed(self._created):
            dispose_engine(url)  # close pooled connections before DROP DATABASE
            if name:
                self.request.getfixturevalue("pg_server").drop_database(name)
        self._created.clear()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, empty (not migrated) database; one per test."""
    factory = DatabaseFactory(request, request.param, tmp_path)
    yield factory()
    factory.close()


@pytest.fixture(params=BACKENDS, scope="module")
def module_db_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabaseFactory]:
    """Makes fresh databases on one backend, shared by a module's tests, dropped at module end."""
    factory = DatabaseFactory(request, request.param, tmp_path_factory.mktemp("db"))
    yield factory
    factory.close()


@pytest.fixture(scope="module")
def module_db_url(module_db_factory: DatabaseFactory) -> str:
    """A fresh database shared by the tests of one module (for read-only tests)."""
    return module_db_factory()


@pytest.fixture(scope="session")
def real_kb_dir() -> Path:
    """The product's knowledge/ directory; skipped (failed under CI) when it holds no YAML yet."""
    if not list(KNOWLEDGE_DIR.glob("*.yml")):
        unavailable(f"{KNOWLEDGE_DIR} has no *.yml files yet")
    return KNOWLEDGE_DIR


@pytest.fixture(scope="session")
def fixture_kb_dir() -> Path:
    return FIXTURE_KB


@pytest.fixture
def copy_kb(tmp_path: Path) -> Callable[[Path], Path]:
    """Copy a knowledge directory into tmp_path so a test can break it."""

    def _copy(src: Path) -> Path:
        dst = tmp_path / "knowledge"
        dst.mkdir()
        for file in src.glob("*.yml"):
            (dst / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
        return dst

    return _copy
