"""A writer process doing real app transactions is killed with SIGKILL at random moments, 50 rounds.

Afterwards ``PRAGMA integrity_check`` is ok, every save the writer acknowledged (printed after its
commit returned) is in the database, and every save is whole: a step without its pain point, its log
entry or the counter update of the same transaction would be half a transaction.

The writer is a child process forked from this one (a fresh interpreter would spend about 0.9 s per
round importing pandas and SQLAlchemy): it opens its own engine after the fork, like any app process,
and writes "<step id> <label>" to its stdout pipe after each commit.
"""

import os
import random
import signal
import sys
import time
import traceback

import pytest
from sqlmodel import select

from models import ActivityEntry, PainPoint, Step
from models.db import create_db_engine, read_session, upgrade_to_head
from services import journeys
from services.unit_of_work import unit_of_work
from services.workspaces import crud as workspaces

ROUNDS = 50
KILL_AFTER = (0.005, 0.12)  # seconds after the fork

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def writer(url: str, ws: int, stage_id: int, counter_id: int, round_no: int, out: int) -> None:
    """The child: save until killed. Each save is one write transaction through the services."""
    engine = create_db_engine(url)
    n = 0
    while True:
        label = f"r{round_no}-{n}"
        with unit_of_work(engine, actor=f"crash {round_no}") as s:
            step = journeys.create_step(s, ws, stage_id, {"title": label, "doing": "x" * random.randint(0, 4000)})
            journeys.create_pain_point(s, ws, step.id, {"text": label})
            journeys.update_step(s, ws, counter_id, {"doing": label})
        os.write(out, f"{step.id} {label}\n".encode())
        n += 1


def one_round(url: str, ws: int, stage_id: int, counter_id: int, round_no: int, rng: random.Random) -> list[tuple[int, str]]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        os.close(read_end)
        try:
            writer(url, ws, stage_id, counter_id, round_no, write_end)
        except BaseException:  # noqa: BLE001 - report and leave
            os.write(write_end, ("ERROR " + traceback.format_exc().replace("\n", " | ") + "\n").encode())
        finally:
            os._exit(1)
    os.close(write_end)
    time.sleep(rng.uniform(*KILL_AFTER))
    os.kill(pid, signal.SIGKILL)
    _pid, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, "the writer ended before it was killed"
    data = b""
    while chunk := os.read(read_end, 65536):
        data += chunk
    os.close(read_end)
    lines = data.decode().split("\n")[:-1]  # the last piece is empty or a half-written line
    errors = [line for line in lines if line.startswith("ERROR")]
    assert not errors, errors[0]
    return [(int(step_id), label) for step_id, label in (line.split(" ") for line in lines)]


def test_killed_writers_leave_a_whole_database_with_every_acknowledged_save(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    with unit_of_work(engine) as s:
        ws = workspaces.create_workspace(s, "Crash", with_channels=False).id
        journey = journeys.create_journey(s, ws, {"name": "J"}).id
        stage_id = journeys.create_stage(s, ws, journey, {"name": "S"}).id
        counter_id = journeys.create_step(s, ws, stage_id, {"title": "Counter"}).id
    engine.dispose()  # no open SQLite connection may cross a fork

    rng = random.Random(6)
    acknowledged: list[tuple[int, str]] = []
    began = time.perf_counter()
    for round_no in range(ROUNDS):
        acknowledged += one_round(url, ws, stage_id, counter_id, round_no, rng)
    seconds = time.perf_counter() - began

    engine = create_db_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    with read_session(engine) as s:
        steps = {step.id: step.title for step in s.exec(select(Step).where(Step.stage_id == stage_id, Step.id != counter_id)).all()}
        pains = {p.step_id: p.text for p in s.exec(select(PainPoint)).all()}
        logged = set(s.exec(select(ActivityEntry.entity_id).where(ActivityEntry.entity_type == "step",
                                                                  ActivityEntry.action == "create")).all())
        counter = s.get(Step, counter_id)
    engine.dispose()
    missing = [(step_id, label) for step_id, label in acknowledged if steps.get(step_id) != label]
    print(  # noqa: T201 - the figures (pytest -s)
        f"\ncrash test: {ROUNDS} writers killed with SIGKILL in {seconds:.1f} s; {len(acknowledged)} saves acknowledged, "
        f"{len(steps)} in the database ({len(steps) - len(acknowledged)} committed but killed before acknowledging), "
        f"{len(missing)} acknowledged saves missing; integrity_check ok"
    )
    assert missing == []
    assert acknowledged, "no save was acknowledged: the rounds are too short to test anything"
    assert all(pains.get(step_id) == title and step_id in logged for step_id, title in steps.items())  # whole transactions
    assert counter.doing in steps.values() and counter.version == 1 + len(steps)


if __name__ == "__main__":  # pragma: no cover - run by hand: python tests/unit/test_crash.py
    sys.exit(pytest.main([__file__, "-s", "-q"]))
