"""Roles are enforced below every service: signing in, throttling, roles per workspace, guests."""

import inspect
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlmodel import Session, SQLModel

import services
from models import Account, Journey, Membership, Metric, Presence, Step, Vote
from models.db import read_session
from services import accounts, exchange, journeys, kano, metrics, workshop
from services.core import Actor, DomainError, Forbidden, access
from services.unit_of_work import unit_of_work
from services.workspaces import load_demo_workspace


@pytest.fixture
def demo(engine):
    with unit_of_work(engine) as session:
        ws = load_demo_workspace(session).id
        other = load_demo_workspace(session, "Andere").id
    return ws, other


def account_with(engine, role: str | None, ws: int, journey_id: int | None = None, email: str = "a@example.com") -> Actor:
    with unit_of_work(engine) as session:
        account = accounts.create_account(session, email, "Ana", "long enough password")
        if role:
            session.add(Membership(workspace_id=ws, account_id=account.id, role=role, journey_id=journey_id))
        session.flush()
        return accounts.actor_for(session, account)


def test_sign_in_checks_the_password_and_says_nothing_about_accounts(engine):
    with unit_of_work(engine) as session:
        accounts.create_account(session, "Ana@Example.com", "Ana", "long enough password")
    with unit_of_work(engine) as session:
        assert accounts.authenticate(session, "ana@example.com ", "long enough password").email == "ana@example.com"
    for email in ("ana@example.com", "nobody@example.com"):  # the same answer: no account is revealed
        with unit_of_work(engine) as session:
            assert accounts.authenticate(session, email, "wrong password") is None
    with read_session(engine) as session:
        stored = session.exec(select(Account.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "long enough" not in stored


def test_sign_in_is_throttled_per_account_and_per_client(engine, monkeypatch):
    monkeypatch.setattr(accounts.accounts, "_CLIENT_FAILURES", {})  # this process's memory of clients, fresh
    with unit_of_work(engine) as session:
        accounts.create_account(session, "ana@example.com", "Ana", "long enough password")
    for _ in range(accounts.FREE_ATTEMPTS):
        with unit_of_work(engine) as session:
            assert accounts.authenticate(session, "ana@example.com", "guess", client="10.0.0.9") is None
    with unit_of_work(engine) as session:  # locked now: even the right password waits
        assert accounts.authenticate(session, "ana@example.com", "long enough password", client="10.0.0.8") is None
    with unit_of_work(engine) as session:  # and this client waits, whatever account it tries
        assert accounts.authenticate(session, "nobody@example.com", "x", client="10.0.0.9") is None
    with unit_of_work(engine) as session:
        session.execute(update(Account).values(locked_until=datetime.now(UTC) - timedelta(seconds=1)))
    with unit_of_work(engine) as session:
        assert accounts.authenticate(session, "ana@example.com", "long enough password", client="10.0.0.8").failed_sign_ins == 0


def _row_of(session: Session, table, ws: int):  # type: ignore[no-untyped-def]
    from services.core import aggregates

    m = aggregates.member(table.name)
    query = aggregates.owner_select(table)
    if query is None or table.name in ("account", "sign_in"):
        return None
    query = query.with_only_columns(*table.c).where(aggregates.scope_owner(m.model).__table__.c.workspace_id == ws).limit(1)
    return session.execute(query).mappings().first()


def test_a_viewer_cannot_write_any_table_in_any_way(engine, demo):
    """Every write is a flush or a statement: for every table, ORM update and delete and Core insert,
    update and delete are refused for a viewer — so no service function can write for one."""
    ws, _other = demo
    viewer = account_with(engine, "viewer", ws)
    with unit_of_work(engine) as session:  # rows the demo has no example of
        session.add(Presence(workspace_id=ws, session_key="k", display_name="P"))
        journey = session.exec(select(Journey.id).where(Journey.workspace_id == ws)).scalars().first()
        workshop.open_vote_round(session, ws, journey, "R")
    checked = 0
    for table in SQLModel.metadata.sorted_tables:
        with read_session(engine) as session:
            row = _row_of(session, table, ws)
        if row is None or table.name == "presence":
            continue
        key = table.c.id if "id" in table.c else next(iter(table.primary_key.columns))
        statements = [
            insert(table).values({k: v for k, v in row.items() if k != "id"}),
            update(table).where(key == row[key.name]).values(version=table.c.version),
            delete(table).where(key == row[key.name]),
        ]
        for statement in statements:
            with pytest.raises(Forbidden, match="does not allow"), unit_of_work(engine, viewer) as session:
                try:
                    session.execute(statement)
                except Forbidden:
                    raise
                except Exception as exc:  # noqa: BLE001 - the database refusing first would hide a missing check
                    raise AssertionError(f"{table.name}: {exc}") from exc
                raise AssertionError(f"{table.name}: {statement} was not refused")
        checked += 1
    assert checked >= 20


def test_every_write_function_refuses_a_viewer(engine, demo):
    """Every public function of services/ that takes a session and writes (by its name) is called as a
    viewer with the demo's ids: each raises a DomainError, and the database is unchanged."""
    ws, _other = demo
    viewer = account_with(engine, "viewer", ws)
    with read_session(engine) as session:
        step = session.exec(select(Step).join(Journey).where(Journey.workspace_id == ws)).scalars().first()
        ids = {"workspace_id": ws, "journey_id": step.journey_id, "step_id": step.id, "stage_id": step.stage_id}
        before = _fingerprint(session)
    verbs = ("create_", "update_", "delete_", "set_", "add_", "remove_", "move_", "save_", "attach_", "detach_",
             "duplicate_", "rename_", "import_", "restore_", "undo_", "open_", "close_", "cast_", "quick_", "load_")
    called = refused = 0
    for name in sorted(dir(services)):
        package = getattr(services, name)
        if not inspect.ismodule(package):
            continue
        for fname, function in sorted(vars(package).items()):
            if not callable(function) or not fname.startswith(verbs) or fname in ("create_account", "load_demo_workspace"):
                continue
            params = list(inspect.signature(function).parameters.values())
            if not params or params[0].name != "session":
                continue
            args = [ids.get(p.name, 1 if p.annotation in (int, "int") else {}) for p in params[1:]
                    if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
            called += 1
            with pytest.raises(Exception) as info, unit_of_work(engine, viewer) as session:  # noqa: PT011
                function(session, *args)
                session.flush()
                raise AssertionError(f"{name}.{fname} wrote for a viewer")
            refused += isinstance(info.value, Forbidden)
    with read_session(engine) as session:
        assert _fingerprint(session) == before
    assert called >= 50
    assert refused >= 15, f"only {refused} of {called} write functions reached the role check"  # the rest refused bad ids first


def test_the_fast_import_path_checks_the_role_itself(engine, demo):
    """Tabular imports write past the unit of work's hook (``core.fast_insert``): a viewer's import of measurements,
    Kano answers or personas is refused there and changes nothing; an editor's goes in."""
    ws, _other = demo
    viewer = account_with(engine, "viewer", ws)
    editor = account_with(engine, "editor", ws, email="e@example.com")
    with read_session(engine) as session:
        metric = session.execute(select(Metric.name).where(Metric.workspace_id == ws)).scalars().first()
        measurements = metrics.plan_import(session, ws, f"Kennzahl;Datum;Wert\n{metric};1999-01-01;5\n".encode())
        answers = kano.preview_answers_csv(session, ws, b"Merkmal,Funktional,Dysfunktional\nNeues Merkmal,like,dislike\n")
        people = exchange.preview(session, ws, "personas", b"Name;Alter\nNeue Persona;40\n", "personas.csv")
        before = _fingerprint(session)
    assert not measurements.problems and not answers.problems and not people.problems
    writes = {"measurements": lambda s: metrics.write_measurements(s, ws, measurements),
              "kano": lambda s: kano.write_answers(s, ws, answers),
              "personas": lambda s: exchange.write_rows(s, ws, people)}
    for name, write in writes.items():
        with pytest.raises(Forbidden), unit_of_work(engine, viewer) as session:
            write(session)
            raise AssertionError(f"{name}: a viewer's import went in")
    with read_session(engine) as session:
        assert _fingerprint(session) == before
    for write in writes.values():
        with unit_of_work(engine, editor) as session:
            write(session)
    with read_session(engine) as session:
        after = _fingerprint(session)
    assert (after["measurement"], after["kano_answer"], after["persona"]) == (
        before["measurement"] + 1, before["kano_answer"] + 1, before["persona"] + 1)


def _fingerprint(session: Session) -> dict[str, int]:
    return {t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables if t.name not in ("sign_in",)}


def test_roles_decide_who_writes_what(engine, demo):
    ws, other = demo
    editor = account_with(engine, "editor", ws, email="e@example.com")
    facilitator = account_with(engine, "facilitator", ws, email="f@example.com")
    with read_session(engine) as session:
        journey = session.exec(select(Journey.id).where(Journey.workspace_id == ws)).scalars().first()
        foreign = session.exec(select(Journey.id).where(Journey.workspace_id == other)).scalars().first()
    with unit_of_work(engine, editor) as session:
        journeys.create_journey(session, ws, {"name": "Neu"})
    with pytest.raises(Forbidden), unit_of_work(engine, editor) as session:
        journeys.create_journey(session, other, {"name": "Fremd"})  # no role in the other workspace
    with pytest.raises(Forbidden), unit_of_work(engine, editor) as session:
        workshop.open_vote_round(session, ws, journey, "Dots")
    account_with(engine, None, ws, email="new@example.com")
    with pytest.raises(Forbidden), unit_of_work(engine, editor) as session:
        accounts.add_member(session, ws, "new@example.com", "viewer")
    with unit_of_work(engine, facilitator) as session:
        workshop.open_vote_round(session, ws, journey, "Dots")
        accounts.create_guest_link(session, ws, journey, hours=2)
    with pytest.raises(Forbidden), unit_of_work(engine, facilitator) as session:
        accounts.create_guest_link(session, other, foreign, hours=2)


def test_a_guest_joins_one_journey_and_does_nothing_else(engine, demo):
    ws, _other = demo
    with read_session(engine) as session:
        journey, second = session.exec(select(Journey.id).where(Journey.workspace_id == ws).order_by(Journey.id)).scalars().all()[:2]
    with unit_of_work(engine) as session:
        link, token = accounts.create_guest_link(session, ws, journey, hours=1)
        round_ = workshop.open_vote_round(session, ws, journey, "Dots")
        other_round = workshop.open_vote_round(session, ws, second, "Dots")
        guest = accounts.join(session, token, "Gina")
        actor = accounts.actor_for(session, guest)
    assert actor.name == "Gina (guest)" and actor.role_in(ws) == "participant" and actor.journeys == {ws: journey}
    with read_session(engine) as session:
        step = session.exec(select(Step.id).where(Step.journey_id == journey)).scalars().first()
        other_step = session.exec(select(Step.id).where(Step.journey_id == second)).scalars().first()
    with unit_of_work(engine, actor) as session:
        workshop.cast_vote(session, ws, round_.id, actor.name, step_id=step)
    with pytest.raises(Forbidden), unit_of_work(engine, actor) as session:
        workshop.cast_vote(session, ws, other_round.id, actor.name, step_id=other_step)
    with pytest.raises(Forbidden), unit_of_work(engine, actor) as session:
        journeys.update_step(session, ws, step, {"title": "Mine now"})
    with unit_of_work(engine) as session:
        assert accounts.revoke_guest_link(session, ws, link.id) == 1
    with read_session(engine) as session:
        assert accounts.account_of(session, None) is None
        assert not accounts.get_account(session, guest.id)
        assert session.exec(select(func.count()).select_from(Vote)).scalar_one() == 1
    with pytest.raises(DomainError, match="not valid"), unit_of_work(engine) as session:
        accounts.join(session, token, "Late")


def test_an_expired_link_admits_nobody(engine, demo):
    ws, _other = demo
    with read_session(engine) as session:
        journey = session.exec(select(Journey.id).where(Journey.workspace_id == ws)).scalars().first()
    with unit_of_work(engine) as session:
        link, token = accounts.create_guest_link(session, ws, journey, hours=1)
        session.execute(update(link.__class__).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    with pytest.raises(DomainError, match="not valid"), unit_of_work(engine) as session:
        accounts.join(session, token, "Late")


def test_undo_goes_by_account_not_by_name(engine, demo):
    ws, _other = demo
    ana = account_with(engine, "editor", ws, email="ana@example.com")
    namesake = account_with(engine, "editor", ws, email="other.ana@example.com")  # also shown as "Ana"
    with read_session(engine) as session:
        step = session.exec(select(Step).join(Journey).where(Journey.workspace_id == ws)).scalars().first()
    with unit_of_work(engine, ana) as session:
        journeys.update_step(session, ws, step.id, {"title": "Ana's"})
    from services import history

    with pytest.raises(DomainError, match="no change left"), unit_of_work(engine, namesake) as session:
        history.undo_last(session, ws, "Ana")
    with unit_of_work(engine, ana) as session:
        history.undo_last(session, ws)
    with read_session(engine) as session:
        assert session.get(Step, step.id).title == step.title


def test_access_table_names_the_known_roles():
    assert set(access.RANK) == set(access.ROLES)
