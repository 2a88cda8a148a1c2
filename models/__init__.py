"""Table models, grouped by aggregate. Importing this package registers every
table on ``SQLModel.metadata`` (Alembic and the tests rely on that)."""

from models.account import Account, GuestLink, Membership, SignIn
from models.channel import Channel
from models.collaboration import ActivityEntry, Comment, Presence, Vote, VoteRound
from models.content import ContentItem, ContentMapping
from models.journey import (
    Journey,
    JourneyPersona,
    Opportunity,
    OpportunityPainPoint,
    PainPoint,
    Stage,
    Step,
    StepPersonaEmotion,
    Transition,
)
from models.kano import KanoAnswer, KanoItem
from models.metric import Measurement, Metric
from models.persona import Persona, PersonaChannel
from models.touchpoint import StepTouchpoint, Touchpoint
from models.workspace import Workspace

__all__ = [
    "Account", "GuestLink", "Membership", "SignIn",
    "ActivityEntry", "Channel", "Comment", "ContentItem", "ContentMapping", "Journey", "JourneyPersona",
    "KanoAnswer", "KanoItem", "Measurement", "Metric", "Opportunity", "OpportunityPainPoint", "PainPoint",
    "Persona", "PersonaChannel", "Presence", "Stage", "Step", "StepPersonaEmotion", "StepTouchpoint", "Touchpoint", "Transition", "Vote",
    "VoteRound", "Workspace",
]
