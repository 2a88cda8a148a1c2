"""A persona's card in the gallery: avatar, name, role, quote, key facts, completeness."""

import streamlit as st

from components.i18n import _
from components.labels import PERSONA_FIELDS, label
from components.text import md
from models import Persona
from services.personas import ChannelPreference, completeness


def persona_avatar(persona: Persona, width: int = 72) -> None:
    if persona.avatar_image:
        st.image(persona.avatar_image, width=width)
    else:
        st.header(md(persona.avatar_emoji or "🙂"), anchor=False)


def persona_card(persona: Persona, preferences: list[ChannelPreference]) -> None:
    """Render one card; the caller adds the action buttons below it."""
    avatar, heading = st.columns([1, 4], vertical_alignment="center")
    with avatar:
        persona_avatar(persona)
    with heading:
        st.subheader(md(persona.name), anchor=False)
        if persona.role:
            st.caption(md(persona.role))
    if persona.quote:
        st.markdown(f"> *{md(persona.quote)}*")
    facts = [
        _("{age} years").format(age=persona.age) if persona.age is not None else "",
        persona.occupation, persona.location,
        f"{persona.segment} · {persona.customer_share:g} %" if persona.segment and persona.customer_share is not None
        else persona.segment,
    ]
    st.markdown(" · ".join(md(f) for f in facts if f) or " ")
    if preferences:
        st.caption(_("Channels") + ": " + ", ".join(md(f"{p.channel_name} {'●' * p.intensity}") for p in preferences[:4]))
    done = completeness(persona, preferences)
    st.progress(done.ratio, text=_("Profile {filled} of {total} complete").format(filled=done.filled, total=done.total))
    if done.missing:
        st.caption(_("Missing") + ": " + ", ".join(label(PERSONA_FIELDS, f) for f in done.missing))
