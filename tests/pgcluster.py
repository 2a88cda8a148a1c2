"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb + pg_ctl in a temporary folder, on a free
port, removed again by :meth:`Cluster.stop`.

PostgreSQL refuses to run as root. Here (and in CI) the tests run as root, so the cluster's folder is given to
an unprivileged system user (``postgres``, which Debian's package creates, else ``nobody``) and the server
binaries run as that user through ``runuser``. Run as any other user, they run as that user.

The cluster lives in memory where it can (``/dev/shm``) and is tuned for throwaway data (no fsync, no
synchronous commit, no full-page writes): a crash loses it, which is the point. One database, migrated once,
serves as the TEMPLATE of every test's fresh database (``CREATE DATABASE … TEMPLATE``, a file copy: about
0.1 s instead of a migration per test).

Usage::

    cluster = Cluster.start()          # raises Unavailable when PostgreSQL is not installed
    url = cluster.create_database("t1")
    ...
    cluster.stop()

Also a command for trying the app on PostgreSQL by hand (Ctrl-C stops and removes it)::

    python -m tests.pgcluster
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SEARCH = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/usr/pgsql-*/bin")


class Unavailable(RuntimeError):
    """PostgreSQL's server binaries are not installed (or cannot be started here)."""


def find_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: ``$PG_BINDIR``, else the newest Debian/RPM install."""
    if os.environ.get("PG_BINDIR"):
        folder = Path(os.environ["PG_BINDIR"])
        return folder if (folder / "initdb").exists() else None
    candidates = [Path(p) for pattern in SEARCH for p in glob.glob(pattern) if (Path(p) / "initdb").exists()]
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).parent)
    candidates.sort(key=lambda p: _version_key(p))
    return candidates[-1] if candidates else None


def _version_key(path: Path) -> tuple[int, str]:
    digits = "".join(ch for ch in path.parent.name if ch.isdigit())
    return (int(digits) if digits else 0, str(path))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory_folder() -> str | None:
    """``$PG_TEST_TMPDIR``, else ``/dev/shm`` when it is there (a throwaway cluster in memory never waits for the
    disk: creating a database per test copies files), else the system's temporary folder."""
    chosen = os.environ.get("PG_TEST_TMPDIR") or "/dev/shm"
    return chosen if os.path.isdir(chosen) and os.access(chosen, os.W_OK) else None


def _server_user() -> str | None:
    """Who runs the server: None for "me" (not root), else an unprivileged system account."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise Unavailable("running as root and no unprivileged user (postgres, nobody) to start PostgreSQL as")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_orphans(bindir: Path, parent: Path, prefix: str, user: str | None) -> None:
    """Stop and remove clusters left by a test run that was killed (its owner process is gone)."""
    for folder in parent.glob(f"{prefix}*"):
        try:
            owner = int((folder / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if not _alive(owner):
            Cluster(bindir=bindir, folder=folder, port=0, user=user).stop()


@dataclass
class Cluster:
    bindir: Path
    folder: Path
    port: int
    user: str | None
    superuser: str = "postgres"

    @classmethod
    def start(cls, prefix: str = "wt-pg-") -> "Cluster":
        bindir = find_bindir()
        if bindir is None:
            raise Unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found; install Debian's `postgresql` or set PG_BINDIR")
        user = _server_user()
        parent = _memory_folder()
        _remove_orphans(bindir, Path(parent or tempfile.gettempdir()), prefix, user)
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        (folder / "owner.pid").write_text(str(os.getpid()))
        cluster = cls(bindir=bindir, folder=folder, port=free_port(), user=user)
        try:
            if user is not None:
                shutil.chown(folder, user=user)
            cluster._run("initdb", "-D", str(folder / "data"), "-U", cluster.superuser, "--auth=trust",
                         "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
            options = (f"-p {cluster.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                       "-c shared_buffers=64MB")
            cluster._run("pg_ctl", "-D", str(folder / "data"), "-l", str(folder / "server.log"), "-o", options, "-w", "start")
        except (subprocess.CalledProcessError, OSError) as exc:
            log = (folder / "server.log").read_text(errors="replace")[-2000:] if (folder / "server.log").exists() else ""
            cluster.stop()
            raise Unavailable(f"PostgreSQL did not start: {exc} {getattr(exc, 'stderr', '') or ''} {log}".strip()) from exc
        return cluster

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True, cwd=self.folder, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.superuser}@127.0.0.1:{self.port}/{database}"

    def execute(self, *statements: str, database: str = "postgres") -> None:
        """Run statements in autocommit (CREATE/DROP DATABASE cannot run in a transaction)."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.superuser, dbname=database, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new, empty (or TEMPLATE-copied) database; returns its SQLAlchemy URL."""
        suffix = f' TEMPLATE "{template}"' if template else ""
        self.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server (fast: open connections are cut) and remove its folder."""
        if (self.folder / "data" / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
            except (subprocess.CalledProcessError, OSError):
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


def main() -> None:  # pragma: no cover - a developer's tool
    cluster = Cluster.start()
    url = cluster.create_database("workbench")
    print(f"PostgreSQL {cluster.bindir.parent.name} is up. Try:\n  DATABASE_URL={url} .venv/bin/python -m streamlit run app.py")  # noqa: T201
    print("Ctrl-C stops it and removes its folder.")  # noqa: T201
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
