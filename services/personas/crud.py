"""Personas: CRUD, channel preferences, completeness, duplicate, comparison.

Queries are sized to the gallery: one query for the personas and one for all
their channel preferences, never one per card.
"""

import io
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from PIL import Image, UnidentifiedImageError
from sqlalchemy import func
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from models import Channel, Journey, JourneyPersona, Persona, PersonaChannel
from services import core
from services.core import N_, DomainError

MAX_AVATAR_BYTES = 2 * 1024 * 1024
MAX_AVATAR_PIXELS = 4096 * 4096  # a small file can still unpack into a huge image
AVATAR_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}

# Field groups in the order the form and the comparison show them.
BASICS = ("name", "role", "quote", "bio")
DEMOGRAPHICS = ("age", "occupation", "family", "location", "income_band")
PSYCHOGRAPHICS = ("goals", "needs", "pains", "behaviours", "preferences", "values", "communication_style")
SEGMENT = ("segment", "customer_share")
EDITABLE_FIELDS = BASICS + DEMOGRAPHICS + PSYCHOGRAPHICS + SEGMENT + ("avatar_emoji",)

# What a complete profile has (article 000: not only demographics, also
# communication style, needs, behaviour and preferences; 004: age, values, family).
RECOMMENDED = (
    "role", "quote", "bio", "age", "occupation", "family", "location", "segment", "customer_share",
    "goals", "needs", "pains", "behaviours", "preferences", "values", "communication_style",
)


@dataclass(frozen=True)
class ChannelPreference:
    channel_id: int
    channel_name: str
    intensity: int
    purpose: str = ""


@dataclass(frozen=True)
class Completeness:
    filled: int
    total: int
    missing: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ratio(self) -> float:
        return self.filled / self.total if self.total else 1.0


def list_personas(
    session: Session, workspace_id: int, *, segment: str | None = None, search: str | None = None,
    with_images: bool = True,
) -> list[Persona]:
    """Personas by name; ``with_images=False`` leaves the avatar uploads (up to 2 MB each) in the
    database for callers that only need names and emojis."""
    query = select(Persona).where(Persona.workspace_id == workspace_id)
    if not with_images:
        query = query.options(defer(Persona.avatar_image, raiseload=True))
    if segment:
        query = query.where(Persona.segment == segment)
    if search and search.strip():
        query = query.where(func.lower(Persona.name).contains(search.strip().lower()))
    return list(session.exec(query.order_by(func.lower(Persona.name))).all())


def persona_labels(session: Session, workspace_id: int) -> dict[int, str]:
    """Persona id → "emoji name", in name order (for filters; no avatar uploads read)."""
    return {p.id: f"{p.avatar_emoji} {p.name}".strip() for p in list_personas(session, workspace_id, with_images=False)}  # type: ignore[misc]


def segments(session: Session, workspace_id: int) -> list[str]:
    rows = session.exec(
        select(Persona.segment).where(Persona.workspace_id == workspace_id, Persona.segment != "").distinct()
    ).all()
    return sorted(rows, key=str.lower)


def get_persona(session: Session, workspace_id: int, persona_id: int) -> Persona:
    return core.get(session, Persona, persona_id, workspace_id)


def channel_preferences(session: Session, workspace_id: int, persona_ids: list[int] | None = None) -> dict[int, list[ChannelPreference]]:
    """Every persona's channels in one query, strongest first."""
    query = (
        select(PersonaChannel.persona_id, PersonaChannel.channel_id, Channel.name, PersonaChannel.intensity, PersonaChannel.purpose)
        .join(Channel, Channel.id == PersonaChannel.channel_id)
        .where(PersonaChannel.workspace_id == workspace_id)
        .order_by(PersonaChannel.persona_id, col(PersonaChannel.intensity).desc(), Channel.name)
    )
    if persona_ids is not None:
        query = query.where(col(PersonaChannel.persona_id).in_(persona_ids))
    result: dict[int, list[ChannelPreference]] = {}
    for persona_id, channel_id, name, intensity, purpose in session.exec(query).all():
        result.setdefault(persona_id, []).append(ChannelPreference(channel_id, name, intensity, purpose))
    return result


def completeness(persona: Persona, preferences: list[ChannelPreference]) -> Completeness:
    """Which recommended fields are still empty (channels count as one field)."""
    missing = [name for name in RECOMMENDED if getattr(persona, name) in (None, "")]
    if not preferences:
        missing.append("channels")
    total = len(RECOMMENDED) + 1
    return Completeness(total - len(missing), total, tuple(missing))


def validate_avatar(data: bytes) -> str:
    """Check an upload really is a PNG or JPEG of at most 2 MB; return its MIME type."""
    if len(data) > MAX_AVATAR_BYTES:
        raise DomainError(N_("The image is larger than 2 MB."), field="avatar_image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise DomainError(N_("This file is not a PNG or JPEG image."), field="avatar_image") from exc
    if width * height > MAX_AVATAR_PIXELS:
        raise DomainError(N_("The image is too large (at most 4096 × 4096 pixels)."), field="avatar_image")
    if image_format not in AVATAR_FORMATS:
        raise DomainError(N_("This file is not a PNG or JPEG image."), field="avatar_image")
    return AVATAR_FORMATS[image_format]


def _with_avatar(data: dict[str, Any], avatar: bytes | None, remove_avatar: bool) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    if avatar is not None:
        data["avatar_mime"] = validate_avatar(avatar)
        data["avatar_image"] = avatar
    elif remove_avatar:
        data["avatar_mime"] = None
        data["avatar_image"] = None
    return data


def create_persona(
    session: Session,
    workspace_id: int,
    data: dict[str, Any],
    *,
    avatar: bytes | None = None,
    channels: list[tuple[int, int, str]] | None = None,
) -> Persona:
    """Create a persona; ``channels`` is a list of (channel_id, intensity 1–5, purpose)."""
    persona = core.create(session, Persona, {**_with_avatar(data, avatar, False), "workspace_id": workspace_id})
    if channels:
        set_channel_preferences(session, workspace_id, persona.id, channels)
    return persona


def update_persona(
    session: Session,
    workspace_id: int,
    persona_id: int,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
    avatar: bytes | None = None,
    remove_avatar: bool = False,
    channels: list[tuple[int, int, str]] | None = None,
) -> Persona:
    persona = core.update(
        session, Persona, persona_id, _with_avatar(changes, avatar, remove_avatar),
        expected_version=expected_version, workspace_id=workspace_id,
    )
    if channels is not None:
        set_channel_preferences(session, workspace_id, persona_id, channels)
    return persona


def set_channel_preferences(session: Session, workspace_id: int, persona_id: int, channels: list[tuple[int, int, str]]) -> None:
    """Replace the persona's channel list with ``channels`` (validated as a whole)."""
    seen: set[int] = set()
    rows = []
    for channel_id, intensity, purpose in channels:
        if channel_id in seen:
            raise DomainError(N_("Each channel can be listed only once."), field="channels")
        seen.add(channel_id)
        rows.append(core.validate(PersonaChannel, {
            "workspace_id": workspace_id, "persona_id": persona_id, "channel_id": channel_id,
            "intensity": intensity, "purpose": purpose or "",
        }))
    existing = session.exec(select(PersonaChannel).where(PersonaChannel.persona_id == persona_id)).all()
    for row in existing:
        session.delete(row)
    core.flush(session)
    session.add_all(rows)
    core.flush(session)


def journeys_using(session: Session, workspace_id: int, persona_id: int) -> list[str]:
    """Names of the journeys this persona is attached to (shown before a delete)."""
    return list(session.exec(
        select(Journey.name).join(JourneyPersona, JourneyPersona.journey_id == Journey.id)
        .where(JourneyPersona.persona_id == persona_id, Journey.workspace_id == workspace_id)
        .order_by(Journey.name)
    ).all())


def delete_persona(session: Session, workspace_id: int, persona_id: int, *, expected_version: int | None = None) -> None:
    """Delete the persona; its channel list, journey links and content mappings go with it."""
    core.delete(session, Persona, persona_id, workspace_id=workspace_id, expected_version=expected_version)


def duplicate_persona(session: Session, workspace_id: int, persona_id: int, *, copy_suffix: str = " (copy)") -> Persona:
    """A copy with all fields and channels under a free name (``Name (copy)``, ``Name (copy 2)`` …)."""
    source = get_persona(session, workspace_id, persona_id)
    taken = set(session.exec(select(Persona.name).where(Persona.workspace_id == workspace_id)).all())
    name, n = f"{source.name}{copy_suffix}", 2
    while name in taken:
        name = f"{source.name}{copy_suffix.rstrip(')')} {n})" if copy_suffix.endswith(")") else f"{source.name}{copy_suffix} {n}"
        n += 1
    data = source.model_dump(exclude={"id", "created_at", "updated_at", "version", "name"})
    copy = core.create(session, Persona, {**data, "name": name[:120]})
    prefs = channel_preferences(session, workspace_id, [persona_id]).get(persona_id, [])
    set_channel_preferences(session, workspace_id, copy.id, [(p.channel_id, p.intensity, p.purpose) for p in prefs])
    return copy


def comparison(session: Session, workspace_id: int, persona_ids: list[int]) -> pd.DataFrame:
    """Fields as rows, the chosen personas (2–4) as columns, for side-by-side reading."""
    if not 2 <= len(persona_ids) <= 4:
        raise DomainError(N_("Choose two to four personas to compare."), field="compare")
    personas = list(session.exec(
        select(Persona).where(Persona.workspace_id == workspace_id, col(Persona.id).in_(persona_ids))
    ).all())
    order = {pid: i for i, pid in enumerate(persona_ids)}
    personas.sort(key=lambda p: order[p.id])
    prefs = channel_preferences(session, workspace_id, persona_ids)
    fields = ("role", *DEMOGRAPHICS, *SEGMENT, *PSYCHOGRAPHICS, "quote")
    data: dict[str, list[Any]] = {}
    for persona in personas:
        values = [getattr(persona, f) for f in fields]
        values.append(", ".join(f"{p.channel_name} ({p.intensity}/5)" for p in prefs.get(persona.id, [])))
        data[persona.name] = ["" if v is None else v for v in values]
    return pd.DataFrame(data, index=[*fields, "channels"])
