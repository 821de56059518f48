"""The scaled-out deployment on loopback: PostgreSQL, Redis, nginx, N Rasa servers and M action servers.

    python scripts/cluster.py start [--replicas 2] [--actions 2]   # prints the base URL on its last line
    python scripts/cluster.py stop
    python scripts/cluster.py status
    python scripts/cluster.py scale N        # nginx sends traffic to the first N Rasa replicas only
    python scripts/cluster.py rollout        # restart the Rasa replicas one at a time (no downtime)

State (ports, pids, data, logs) lives in var/cluster/ (KEQING_CLUSTER_DIR). PostgreSQL and Redis keep
their data between `stop` and `start`; Redis writes an append-only file, so queued WeCom messages
survive a Redis restart. nginx listens on KEQING_CLUSTER_PORT (default 5080) for the channels and, on a
second loopback port, serves the action servers and the model file (Rasa's model server: every replica
polls models/current.tar.gz and loads a promoted or rolled-back model by itself).

The tests and the load test drive the same class (`Cluster`): kill and restart single processes.
"""
from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
STARTUP_TIMEOUT = float(os.environ.get("KEQING_CLUSTER_TIMEOUT", "400"))
MODEL_PULL_SECONDS = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as res:
            return res.status == 200
    except Exception:
        return False


def pg_bindir() -> Path:
    for cand in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (cand / "pg_ctl").is_file():
            return cand
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise SystemExit("cluster: PostgreSQL is not installed (bash scripts/system-deps.sh)")


def nginx_bin() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)
    if not found:
        raise SystemExit("cluster: nginx is not installed (bash scripts/system-deps.sh)")
    return found


@dataclass
class State:
    port: int = 0  # nginx, public
    internal_port: int = 0  # nginx: action servers, model file
    pg_port: int = 0
    redis_port: int = 0
    rasa_ports: List[int] = field(default_factory=list)
    action_ports: List[int] = field(default_factory=list)
    pids: Dict[str, int] = field(default_factory=dict)
    serving: int = 0  # how many Rasa replicas nginx routes to
    env: Dict[str, str] = field(default_factory=dict)  # the channel settings the Rasa replicas were started with


class Cluster:
    def __init__(self, workdir: Optional[Path] = None) -> None:
        default = os.environ.get("KEQING_CLUSTER_DIR") or str(ROOT / "var" / "cluster")
        self.dir = Path(workdir or default).resolve()
        self.state_file = self.dir / "state.json"
        self.state = State(**json.loads(self.state_file.read_text())) if self.state_file.exists() else State()

    # -- bookkeeping -------------------------------------------------------------------------------
    def save(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(asdict(self.state), indent=1))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.state.port}"

    @property
    def db_url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.state.pg_port}/keqing"

    @property
    def tracker_url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.state.pg_port}/keqing_tracker"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.state.redis_port}/0"

    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update(self.state.env)
        env.update({
            "KEQING_DB_URL": self.db_url, "KEQING_TRACKER_URL": self.tracker_url, "KEQING_REDIS_URL": self.redis_url,
            "KEQING_ACTION_URL": f"http://127.0.0.1:{self.state.internal_port}/webhook",
            "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        })
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
            env.pop(var, None)
        return env

    def alive(self, name: str) -> bool:
        pid = self.state.pids.get(name)
        if not pid:
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        try:  # a zombie child of ours counts as dead
            return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
        except OSError:
            return False

    def _spawn(self, name: str, argv: List[str]) -> int:
        log = open(self.dir / f"{name}.log", "ab")
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        self.state.pids[name] = proc.pid
        self.save()
        return proc.pid

    def _wait(self, name: str, url: str, timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if answers(url):
                return
            if name in self.state.pids and not self.alive(name):
                raise SystemExit(f"cluster: {name} exited; see {self.dir / (name + '.log')}:\n{self.tail(name)}")
            time.sleep(0.5)
        raise SystemExit(f"cluster: {name} did not answer on {url} within {timeout:.0f}s:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 30) -> str:
        try:
            return "\n".join((self.dir / f"{name}.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- PostgreSQL ----------------------------------------------------------------------------------
    def _pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        kwargs: Dict[str, object] = {}
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            kwargs.update(user=pw.pw_uid, group=pw.pw_gid)
        return subprocess.run([str(pg_bindir() / args[0]), *args[1:]], check=check, capture_output=True, text=True,
                              cwd="/", **kwargs)  # type: ignore[call-overload]

    def start_postgres(self) -> None:
        data = self.dir / "pg" / "data"
        if not (data / "PG_VERSION").exists():
            data.parent.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                pw = pwd.getpwnam("postgres")
                os.chown(data.parent, pw.pw_uid, pw.pw_gid)
            self._pg("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale")
        if self._pg("pg_ctl", "status", "-D", str(data), check=False).returncode == 0:
            return
        options = f"-p {self.state.pg_port} -k {data.parent} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._pg("pg_ctl", "start", "-w", "-t", "60", "-D", str(data), "-l", str(data.parent / "postgres.log"),
                 "-o", options)
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.state.pg_port, user="postgres", dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            for name in ("keqing", "keqing_tracker"):
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if not cur.fetchone():
                    cur.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        conn.close()

    def stop_postgres(self, mode: str = "fast") -> None:
        data = self.dir / "pg" / "data"
        if (data / "PG_VERSION").exists():
            self._pg("pg_ctl", "stop", "-D", str(data), "-m", mode, "-w", check=False)

    # -- Redis ---------------------------------------------------------------------------------------
    def start_redis(self) -> None:
        if self.alive("redis"):
            return
        data = self.dir / "redis"
        data.mkdir(parents=True, exist_ok=True)
        self._spawn("redis", ["redis-server", "--port", str(self.state.redis_port), "--bind", "127.0.0.1",
                              "--dir", str(data), "--appendonly", "yes", "--appendfsync", "always", "--save", ""])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.state.redis_port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"cluster: redis did not start:\n{self.tail('redis')}")

    # -- nginx ---------------------------------------------------------------------------------------
    def nginx_conf(self) -> str:
        rasa = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;"
                         for p in self.state.rasa_ports[: max(1, self.state.serving)])
        actions = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;" for p in self.state.action_ports)
        user = pwd.getpwuid(os.geteuid()).pw_name
        return f"""# written by scripts/cluster.py
user {user};
worker_processes 1;
daemon on;
pid {self.dir}/nginx.pid;
error_log {self.dir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {self.dir}/nginx-tmp;
  proxy_temp_path {self.dir}/nginx-tmp;
  client_max_body_size 1m;
  upstream keqing_rasa {{
{rasa}
    keepalive 64;
  }}
  upstream keqing_actions {{
{actions}
    keepalive 32;
  }}
  server {{  # the channels: REST, WeCom, Slack (and /status for readiness)
    listen 127.0.0.1:{self.state.port};
    location / {{
      proxy_pass http://keqing_rasa;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_read_timeout 120s;
      proxy_connect_timeout 2s;
      # a replica that refuses the connection (stopped, restarting) is skipped; a request it already
      # received is not sent twice (POST is not idempotent)
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3;
    }}
  }}
  server {{  # inside the cluster only: action servers and the model server
    listen 127.0.0.1:{self.state.internal_port};
    location = /models/current.tar.gz {{ alias {ROOT}/models/current.tar.gz; }}
    location / {{
      proxy_pass http://keqing_actions;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_read_timeout 60s;
      proxy_next_upstream error timeout http_502;
    }}
  }}
}}
"""

    def write_nginx(self) -> Path:
        conf = self.dir / "nginx.conf"
        (self.dir / "nginx-tmp").mkdir(parents=True, exist_ok=True)
        conf.write_text(self.nginx_conf())
        return conf

    def start_nginx(self) -> None:
        conf = self.write_nginx()
        pid_file = self.dir / "nginx.pid"
        if pid_file.exists() and self._pid_alive(int(pid_file.read_text().strip() or 0)):
            subprocess.run([nginx_bin(), "-c", str(conf), "-p", str(self.dir), "-s", "reload"], check=True)
        else:
            subprocess.run([nginx_bin(), "-c", str(conf), "-p", str(self.dir)], check=True,
                           stderr=open(self.dir / "nginx-error.log", "ab"))

    def stop_nginx(self) -> None:
        pid_file = self.dir / "nginx.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip() or 0)
            if self._pid_alive(pid):
                os.kill(pid, signal.SIGQUIT)
                self._wait_gone(pid, 10)

    @staticmethod
    def _pid_alive(pid: int) -> bool:
        if pid <= 0:
            return False
        try:
            os.kill(pid, 0)
            return True
        except OSError:
            return False

    @staticmethod
    def _wait_gone(pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
                try:
                    if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                        os.waitpid(pid, os.WNOHANG)
                        return True
                except (OSError, ChildProcessError):
                    pass
            except OSError:
                return True
            time.sleep(0.1)
        return False

    # -- Rasa and action servers ------------------------------------------------------------------------
    def write_runtime_files(self) -> None:
        env = self.env()
        endpoints = self.dir / "endpoints.yml"
        subprocess.run([str(VENV / "python"), "-m", "keqing", "endpoints", "--write", str(endpoints),
                        "--model-url", f"http://127.0.0.1:{self.state.internal_port}/models/current.tar.gz",
                        "--model-pull-seconds", str(MODEL_PULL_SECONDS)], check=True, cwd=ROOT, env=env)
        subprocess.run([str(VENV / "python"), "-m", "keqing", "channels", "--write", str(self.dir / "credentials.yml")],
                       check=True, cwd=ROOT, env=env, capture_output=True)

    def start_action(self, i: int) -> None:
        port = self.state.action_ports[i]
        self._spawn(f"actions-{i + 1}", [str(VENV / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)])

    def start_rasa(self, i: int) -> None:
        port = self.state.rasa_ports[i]
        argv = [str(VENV / "rasa"), "run", "--interface", "127.0.0.1", "--port", str(port),
                "--endpoints", str(self.dir / "endpoints.yml"), "--credentials", str(self.dir / "credentials.yml")]
        token = self.env().get("KEQING_API_TOKEN")
        if token:
            argv += ["--enable-api", "--auth-token", token]
        self._spawn(f"rasa-{i + 1}", argv)

    def wait_rasa(self, i: int) -> None:
        # Rasa loads the model (pulled from the model server) before it listens, so "/" answering means ready
        self._wait(f"rasa-{i + 1}", f"http://127.0.0.1:{self.state.rasa_ports[i]}/")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        pid = self.state.pids.get(name)
        if pid and self.alive(name):
            try:
                os.killpg(pid, sig)
            except OSError:
                os.kill(pid, sig)
            self._wait_gone(pid, 30)

    def restart_rasa(self, i: int) -> None:
        self.kill(f"rasa-{i + 1}", signal.SIGTERM)
        self.start_rasa(i)
        self.wait_rasa(i)

    def restart_redis(self) -> None:
        self.kill("redis", signal.SIGTERM)
        self.start_redis()

    def restart_postgres(self) -> None:
        self.stop_postgres()
        self.start_postgres()

    # -- the whole ---------------------------------------------------------------------------------------
    def start(self, replicas: int = 2, actions: int = 2, model: Optional[str] = None,
              channel_env: Optional[Dict[str, str]] = None, port: Optional[int] = None) -> str:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.state.pids and any(self.alive(n) for n in self.state.pids):
            if len(self.state.rasa_ports) == replicas and all(self.alive(f"rasa-{i + 1}") for i in range(replicas)):
                return self.base_url  # already running
            self.stop()
        want = port if port is not None else int(os.environ.get("KEQING_CLUSTER_PORT", "5080"))
        keep = {"pg_port": self.state.pg_port}
        self.state = State(port=want if want and port_free(want) else free_port(), internal_port=free_port(),
                           pg_port=keep["pg_port"] or free_port(), redis_port=free_port(),
                           rasa_ports=[free_port() for _ in range(replicas)],
                           action_ports=[free_port() for _ in range(actions)], serving=replicas,
                           env=dict(channel_env or {}))
        if not port_free(self.state.pg_port):
            self.state.pg_port = free_port()
        self.save()
        self.serve_model(model)
        self.start_postgres()
        self.start_redis()
        subprocess.run([str(VENV / "python"), "-m", "keqing", "kb", "load"], check=True, cwd=ROOT, env=self.env(),
                       stdout=open(self.dir / "kb-load.log", "ab"), stderr=subprocess.STDOUT)
        self.start_nginx()
        self.write_runtime_files()
        for i in range(actions):
            self.start_action(i)
        for i in range(actions):
            self._wait(f"actions-{i + 1}", f"http://127.0.0.1:{self.state.action_ports[i]}/health")
        for i in range(replicas):
            self.start_rasa(i)
        for i in range(replicas):
            self.wait_rasa(i)
        self._wait("nginx", f"{self.base_url}/")
        return self.base_url

    def serve_model(self, model: Optional[str]) -> None:
        """models/current.tar.gz, the file nginx serves as the model server: the promoted model's link."""
        sys.path.insert(0, str(ROOT))
        from keqing.learn.registry import ModelRegistry

        registry = ModelRegistry()
        if model:
            path = Path(model).resolve()
            if path.parent != registry.dir.resolve():
                raise SystemExit(f"cluster: the model must be inside {registry.dir}")
            registry.link(path)
        elif not registry.link_file.exists():
            current = registry.current()
            if current is None:
                out = subprocess.run(["bash", "scripts/model.sh"], check=True, cwd=ROOT, capture_output=True, text=True)
                current = ROOT / out.stdout.strip().splitlines()[-1]
            registry.link(current)

    def scale(self, serving: int) -> None:
        self.state.serving = max(1, min(serving, len(self.state.rasa_ports)))
        self.save()
        self.start_nginx()  # reload with the new upstream list
        time.sleep(0.5)

    def rollout(self) -> None:
        """Restart the Rasa replicas one at a time; nginx routes around the one that is down."""
        for i in range(len(self.state.rasa_ports)):
            self.restart_rasa(i)

    def stop(self) -> None:
        for name in sorted(self.state.pids, key=lambda n: (not n.startswith("rasa"), n)):
            if name != "redis":
                self.kill(name, signal.SIGTERM)
        self.stop_nginx()
        self.kill("redis", signal.SIGTERM)
        self.stop_postgres()
        self.state.pids = {}
        self.save()

    def status(self) -> Dict[str, bool]:
        return {name: self.alive(name) for name in self.state.pids}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    start = sub.add_parser("start")
    start.add_argument("--replicas", type=int, default=int(os.environ.get("KEQING_CLUSTER_REPLICAS", "2")))
    start.add_argument("--actions", type=int, default=int(os.environ.get("KEQING_CLUSTER_ACTIONS", "2")))
    start.add_argument("--model", default=os.environ.get("KEQING_CLUSTER_MODEL"))
    sub.add_parser("stop")
    sub.add_parser("status")
    sub.add_parser("rollout")
    scale = sub.add_parser("scale")
    scale.add_argument("serving", type=int)
    args = parser.parse_args()
    cluster = Cluster()
    if args.cmd == "start":
        started = time.monotonic()
        try:
            url = cluster.start(args.replicas, args.actions, args.model)
        except BaseException:
            cluster.stop()
            raise
        print(f"cluster: {args.replicas} Rasa + {args.actions} action servers behind nginx, PostgreSQL "
              f"{cluster.state.pg_port}, Redis {cluster.state.redis_port}; ready in {time.monotonic() - started:.0f}s; "
              f"logs in {cluster.dir}", file=sys.stderr)
        print(url)
    elif args.cmd == "stop":
        cluster.stop()
        print("cluster: stopped", file=sys.stderr)
    elif args.cmd == "status":
        print(json.dumps({"url": cluster.base_url, "processes": cluster.status()}, indent=1))
    elif args.cmd == "scale":
        cluster.scale(args.serving)
    elif args.cmd == "rollout":
        cluster.rollout()
    return 0


if __name__ == "__main__":
    sys.exit(main())
