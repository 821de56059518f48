"""Throw-away database servers for tests: a real PostgreSQL cluster and a Redis server.

Both bind to a free loopback port, keep their data in a fresh temporary directory and are
stopped (and the directory removed) by `stop()`. When the tests run as root, PostgreSQL runs
as the `postgres` OS user (it refuses to run as root).

    pg = PostgresServer.start()        # raises ServerUnavailable when binaries are missing
    url = pg.create_database("t1")     # SQLAlchemy URL of a new empty database
    pg.drop_database("t1"); pg.stop()
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

REDIS_SERVER = "/usr/bin/redis-server"


class ServerUnavailable(RuntimeError):
    """The server's binaries are not installed; tests should skip (or fail under CI)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, timeout: float, proc: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout:.0f}s")


def postgres_bindir() -> Optional[Path]:
    """Directory holding initdb/pg_ctl: $PG_BIN, the newest /usr/lib/postgresql/*/bin, or PATH."""
    candidates: List[str] = []
    if os.environ.get("PG_BIN"):
        candidates.append(os.environ["PG_BIN"])
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    versions.sort(key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0, reverse=True)
    candidates += versions
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for cand in candidates:
        if (Path(cand) / "initdb").is_file() and (Path(cand) / "pg_ctl").is_file():
            return Path(cand)
    return None


@dataclass
class PostgresServer:
    bindir: Path
    datadir: Path
    port: int
    run_as: Optional[str]  # OS user running the server, None = current user
    databases: List[str] = field(default_factory=list)

    @classmethod
    def start(cls, bindir: Optional[Path] = None) -> PostgresServer:
        bindir = bindir or postgres_bindir()
        if bindir is None:
            raise ServerUnavailable("PostgreSQL binaries (initdb, pg_ctl) not found; set PG_BIN or install postgresql")
        run_as = None
        tmp = Path(tempfile.mkdtemp(prefix="keqing-pg-"))  # not under pytest's 0700 root-only tmp
        if os.geteuid() == 0:
            run_as = "postgres"
            try:
                pw = pwd.getpwnam(run_as)
            except KeyError as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                raise ServerUnavailable("running as root but there is no 'postgres' OS user") from exc
            os.chown(tmp, pw.pw_uid, pw.pw_gid)
        server = cls(bindir=bindir, datadir=tmp / "data", port=0, run_as=run_as)
        try:
            server._run("initdb", "-D", str(server.datadir), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale")
            for _attempt in range(5):
                server.port = free_port()
                try:
                    server._pg_ctl_start(tmp)
                    break
                except subprocess.CalledProcessError:
                    if "already in use" not in server.log():
                        raise
            else:
                raise RuntimeError("no free port for PostgreSQL after 5 attempts")
        except Exception:
            server._cleanup(tmp)
            raise
        return server

    # -- process helpers -------------------------------------------------------------
    def _run(self, prog: str, *args: str) -> subprocess.CompletedProcess:
        kwargs: Dict[str, object] = {}
        if self.run_as:
            kwargs.update(user=self.run_as, group=pwd.getpwnam(self.run_as).pw_gid)
        try:
            return subprocess.run(
                [str(self.bindir / prog), *args],
                check=True,
                capture_output=True,
                text=True,
                cwd=str(self.datadir.parent),
                **kwargs,  # type: ignore[arg-type]
            )
        except subprocess.CalledProcessError as exc:
            exc.args = exc.args + (exc.stdout, exc.stderr)
            raise

    def _pg_ctl_start(self, tmp: Path) -> None:
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {tmp}",  # unix socket in our own dir, not /var/run/postgresql
                "-c listen_addresses=127.0.0.1",
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",  # speed; data is throw-away
                "-c max_connections=50",
            ]
        )
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.datadir), "-l", str(self.logfile), "-o", options)

    @property
    def logfile(self) -> Path:
        return self.datadir.parent / "postgres.log"

    def log(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")
        except OSError:
            return ""

    def _cleanup(self, tmp: Path) -> None:
        shutil.rmtree(tmp, ignore_errors=True)

    # -- public API -------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg2  # imported lazily so that the module loads without the driver

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        try:
            conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def create_database(self, name: str) -> str:
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        self.databases.append(name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.databases:
            self.databases.remove(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "stop", "-D", str(self.datadir), "-m", "fast", "-w")
        except subprocess.CalledProcessError:
            pass  # already stopped
        finally:
            self._cleanup(self.datadir.parent)


@dataclass
class RedisServer:
    port: int
    proc: subprocess.Popen
    workdir: Path

    @classmethod
    def start(cls, binary: str = REDIS_SERVER) -> RedisServer:
        if not Path(binary).is_file():
            raise ServerUnavailable(f"{binary} not found; install redis-server")
        workdir = Path(tempfile.mkdtemp(prefix="keqing-redis-"))
        last_error: Optional[Exception] = None
        for _attempt in range(5):
            port = free_port()
            proc = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(workdir)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                _wait_for_port(port, 10, proc)
                return cls(port=port, proc=proc, workdir=workdir)
            except RuntimeError as exc:  # port race or crash: try another port
                last_error = exc
                proc.kill()
                proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
        raise RuntimeError(f"redis-server did not start: {last_error}")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)
