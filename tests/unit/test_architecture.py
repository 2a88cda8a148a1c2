"""The structural rules of docs/architecture.md that import-linter cannot see."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
LONG_MODULE = 500  # lines; a longer module says why on its first lines ("Long on purpose: …")


def test_importing_every_service_installs_nothing_on_sqlalchemy():
    """The activity log is installed per unit of work, never as a side effect of an import."""
    script = (
        "import pkgutil, importlib, services\n"
        "for m in pkgutil.walk_packages(services.__path__, 'services.'): importlib.import_module(m.name)\n"
        "from sqlalchemy.orm import Session\n"
        "names = ['before_flush', 'after_flush', 'do_orm_execute', 'after_transaction_end', 'after_commit']\n"
        "print(sum(len(getattr(Session().dispatch, n)) for n in names))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_a_unit_of_work_logs_and_a_bare_session_does_not(engine):
    from sqlmodel import select

    from models import ActivityEntry
    from models.db import write_session
    from services.unit_of_work import unit_of_work
    from services.workspaces import create_workspace

    with unit_of_work(engine, "Ana") as session:
        create_workspace(session, "Logged")
    with write_session(engine) as session:
        create_workspace(session, "Raw")
    with write_session(engine) as session:
        logged = session.exec(select(ActivityEntry.actor, ActivityEntry.summary).where(ActivityEntry.entity_type == "workspace")).all()
    assert logged == [("Ana", "Logged")]


def test_services_never_keep_a_module_global_actor():
    """No ``global`` statement anywhere in services: who acts travels with the unit of work, never in a module."""
    declared = [(str(path.relative_to(ROOT)), node.names)
                for path in SERVICES.rglob("*.py")
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.Global)]
    assert declared == []


def test_long_service_modules_say_why():
    for path in SERVICES.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > LONG_MODULE:
            head = "\n".join(text.splitlines()[:30])
            assert "Long on purpose:" in head, f"{path.relative_to(ROOT)} has {text.count(chr(10))} lines: split it or say why"
