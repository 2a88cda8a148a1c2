"""Channels of a workspace. A new workspace starts with the channels the
articles name (003: direct online, indirect online; 000/002: offline)."""

from sqlmodel import Session, select

from models import Channel
from services import core

# (name, is_online, category). Names are stored as data: users rename and extend them.
DEFAULT_CHANNELS: tuple[tuple[str, bool, str], ...] = (
    ("Website", True, "owned"),
    ("SEO", True, "owned"),
    ("SEA", True, "paid"),
    ("Display", True, "paid"),
    ("E-Mail", True, "owned"),
    ("Social Media", True, "owned"),
    ("Chat", True, "owned"),
    ("App", True, "owned"),
    ("Telefon", False, "personal"),
    ("Call Center", False, "personal"),
    ("Filiale / Shop", False, "personal"),
    ("Messe / Event", False, "event"),
    ("Print-Mailing", False, "print"),
    ("Bewertungsportale", True, "earned"),
    ("Foren / Blogs", True, "earned"),
    ("Presse", False, "earned"),
)


def add_default_channels(session: Session, workspace_id: int) -> None:
    for name, is_online, category in DEFAULT_CHANNELS:
        core.create(
            session, Channel,
            {"workspace_id": workspace_id, "name": name, "is_online": is_online, "category": category},
        )


def list_channels(session: Session, workspace_id: int) -> list[Channel]:
    return list(session.exec(select(Channel).where(Channel.workspace_id == workspace_id).order_by(Channel.name)).all())


def create_channel(session: Session, workspace_id: int, data: dict) -> Channel:
    return core.create(session, Channel, {**data, "workspace_id": workspace_id})


def delete_channel(session: Session, workspace_id: int, channel_id: int) -> None:
    core.delete(session, Channel, channel_id, workspace_id=workspace_id)
