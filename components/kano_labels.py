"""Translatable labels of the Kano evaluation: categories and the five answers."""

from components.i18n import N_
from services.core.labels import KANO_CATEGORIES  # noqa: F401 - one place for every code's label

# Wording of the standard questionnaire: "If the feature is there / missing, …"
KANO_ANSWER_LABELS: dict[int, str] = {
    1: N_("1 · I like it"),
    2: N_("2 · I expect it"),
    3: N_("3 · I am neutral"),
    4: N_("4 · I can tolerate it"),
    5: N_("5 · I dislike it"),
}
