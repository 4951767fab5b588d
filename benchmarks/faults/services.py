"""The processes a fault run starts and breaks: a private PostgreSQL cluster and Redis, gunicorn,
a Celery worker; and Django configured in this process to reach the same database."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "faults"
PG_BIN = (
    Path("/usr/lib/postgresql")
    / (
        sorted(os.listdir("/usr/lib/postgresql"))[-1]
        if Path("/usr/lib/postgresql").exists()
        else ""
    )
    / "bin"
)
SECRET = "faults-only-" + "x" * 40  # nosec B105 (a throw-away key for this run's processes)


def free_port() -> int:
    from benchmarks.smtp_sink import free_port as port

    return port()


def wait_for(condition, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise SystemExit(f"timed out waiting for {what}")


# --- Private services ---------------------------------------------------------------------


class Postgres:
    """A throw-away cluster on its own port, run as the postgres user (initdb refuses root)."""

    def __init__(self):
        self.port = free_port()
        self.data = VAR / "pg"

    def run(self, *args, check=True):
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def init(self):
        shutil.rmtree(self.data, ignore_errors=True)
        self.data.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(VAR, "postgres", "postgres")
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.start()
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "faults"],
            check=True,
        )

    def start(self):
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=on"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(VAR / "pg.log"),
                 "-w", "start")  # fmt: skip

    def stop(self, mode="fast"):
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/faults"


class Redis:
    def __init__(self):
        self.port = free_port()
        self.dir = VAR / "redis"
        self.process = None

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.ping, 20, "redis")

    def ping(self) -> bool:
        result = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True)
        return result.stdout.strip() == b"PONG"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis writes its append-only file and exits
            self.process.wait(timeout=30)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"


class Processes:
    """gunicorn, a Celery worker and beat with this run's environment; each in its own
    process group, so that a kill takes its children too."""

    def __init__(self, env: dict):
        self.env = env
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str]):
        log = open(VAR / f"{name}.log", "a")  # noqa: SIM115 (closed with the process)
        self.running[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def worker(self):
        from benchmarks.processes import WORKER_COMMAND

        self.start("worker", WORKER_COMMAND)

    def gunicorn(self, port: int):
        self.start("gunicorn", [sys.executable, "-m", "gunicorn", "consent_portal.wsgi",
                                "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                "--threads", "4"])  # fmt: skip

    def kill(self, name: str, sig=signal.SIGKILL):
        process = self.running.pop(name)
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        process.wait(timeout=60)

    def stop_all(self):
        for name in list(self.running):
            self.kill(name, signal.SIGTERM)


# --- The application's data, reached from this process -------------------------------------


def django_setup(database_url: str, broker_url: str, sink_port: int) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink_port),
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(VAR / "var"),
        "DJANGO_SETTINGS_MODULE": "consent_portal.settings",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: the manifest
    return env
