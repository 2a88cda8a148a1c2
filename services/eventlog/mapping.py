"""Which event names stand for which step of a journey, saved per journey and log.

Many events can stand for one step. An event can also be an *error* event (an abort, a failed
payment: CJML's "failing"), or stay unmapped (CJML's "ad hoc": it stands for no step of the map).

Suggestions compare an event name with every step title by words: both are folded (lower case,
umlauts spelt out, German and English filler words dropped), each word of the event is matched with
its most similar title word (a shared stem of four letters or more counts as a full match, else
``difflib``'s ratio), and the score is 0.7 × the best word match + 0.3 × the mean over the event's
words. The best step wins when its score reaches :data:`THRESHOLD` (ties: the closer whole name). Names with error words
(error, fehler, failed, fehlgeschlagen, timeout …) are suggested as error events.
"""

import re
from difflib import SequenceMatcher

import pandas as pd

from services.core import N_, DomainError
from services.eventlog.conformance import build_sequences
from services.eventlog.planned import PlannedMap
from services.eventlog.simulate import slug
from services.eventlog.store import EventStore, drop_sequences, events_table, get_log

THRESHOLD = 0.6
WORD_MATCH = 0.75  # weaker word matches count as no match
ROLES = ("step", "error", "")
ERROR_WORDS = ("error", "fehler", "fail", "failed", "fehlgeschlagen", "timeout", "exception", "abgelehnt", "declined",
               "stoerung", "absturz", "crash")
STOPWORDS = {"der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "mit", "und", "oder", "zur", "zum",
             "zu", "im", "in", "an", "am", "auf", "ab", "aus", "fuer", "von", "vom", "ueber", "the", "a", "of", "to",
             "and", "with", "for", "on", "at", "by", "is", "sich", "es", "er", "sie", "wird"}


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", slug(text)) if w and w not in STOPWORDS and not w.isdigit()]


def _word_score(word: str, other: str) -> float:
    if word == other:
        return 1.0
    shorter, longer = sorted((word, other), key=len)
    if len(shorter) >= 4 and longer.startswith(shorter[: max(4, len(shorter) - 2)]):
        return 1.0
    ratio = SequenceMatcher(None, word, other).ratio()
    return ratio if ratio >= WORD_MATCH else 0.0


def similarity(event: str, title: str) -> float:
    """How well an event name matches a step title (0…1), see the module text."""
    event_words, title_words = _words(event), _words(title)
    if not event_words or not title_words:
        return 0.0
    best = [max(_word_score(w, t) for t in title_words) for w in event_words]
    return 0.7 * max(best) + 0.3 * sum(best) / len(best)


def is_error_name(event: str) -> bool:
    folded = slug(event)
    return any(word in folded for word in ERROR_WORDS)


def suggest(events: list[str], planned: PlannedMap) -> pd.DataFrame:
    """One suggestion per event: ``event``, ``step_id`` (or NA), ``role``, ``score``."""
    titles = list(zip(planned.steps["step_id"].astype(int), planned.steps["title"], strict=True))
    rows = []
    for event in events:
        if is_error_name(event):
            rows.append((event, pd.NA, "error", 1.0))
            continue
        scored = [(similarity(event, title), SequenceMatcher(None, slug(event), slug(title)).ratio(), step_id)
                  for step_id, title in titles]
        score, _tie, step_id = max(scored, default=(0.0, 0.0, None), key=lambda row: row[:2])
        rows.append((event, step_id, "step", score) if score >= THRESHOLD else (event, pd.NA, "", score))
    return pd.DataFrame(rows, columns=["event", "step_id", "role", "score"]).astype({"step_id": "Int64"})


def event_counts(store: EventStore, log_id: int) -> pd.DataFrame:
    """Every event name of the log with its number of events and of cases, most frequent first."""
    get_log(store, log_id)
    return store.frame(f"SELECT event, count(*) AS events, count(DISTINCT case_id) AS cases FROM {events_table(log_id)} "
                       "GROUP BY event ORDER BY events DESC, event")


def saved_mapping(store: EventStore, log_id: int, journey_id: int) -> pd.DataFrame:
    """The saved rows: ``event``, ``step_id`` (Int64), ``role``."""
    frame = store.frame("SELECT event, step_id, role FROM event_mapping WHERE log_id = ? AND journey_id = ? ORDER BY event",
                        [int(log_id), int(journey_id)])
    return frame.astype({"step_id": "Int64"})


def mapping_table(store: EventStore, log_id: int, planned: PlannedMap) -> pd.DataFrame:
    """The editor's table: every event with its counts, its saved mapping (or the suggestion), and ``saved``.

    Columns: event, events, cases, step_id, role, score, saved. Steps no longer on the map count as unmapped.
    """
    counts = event_counts(store, log_id)
    saved = saved_mapping(store, log_id, planned.journey_id)
    suggestions = suggest(counts["event"].tolist(), planned)
    table = counts.merge(suggestions, on="event", how="left")
    if saved.empty:
        return table.assign(saved=False)
    saved = saved.rename(columns={"step_id": "saved_step", "role": "saved_role"})
    table = table.merge(saved, on="event", how="left")
    known = table["saved_role"].notna()
    steps = set(planned.steps["step_id"].astype(int))
    table.loc[known, "step_id"] = table.loc[known, "saved_step"]
    table.loc[known, "role"] = table.loc[known, "saved_role"]
    gone = known & (table["role"] == "step") & ~table["step_id"].isin(steps)
    table.loc[gone, ["step_id", "role"]] = [pd.NA, ""]
    return table.drop(columns=["saved_step", "saved_role"]).assign(saved=known)


def save_mapping(store: EventStore, log_id: int, planned: PlannedMap, rows: pd.DataFrame) -> int:
    """Replace the journey's mapping for this log with ``rows`` (event, step_id, role); returns the mapped events.

    A row with a step and no role is a step mapping; a step mapping needs a step of this journey. The
    log's sequences under the new mapping are built in the same transaction
    (:func:`services.eventlog.conformance.build_sequences`).
    """
    steps = set(planned.steps["step_id"].astype(int))
    records = []
    for event, step_id, role in zip(rows["event"], rows["step_id"], rows["role"], strict=True):
        role = "" if pd.isna(role) else str(role)
        step = None if pd.isna(step_id) else int(step_id)
        if role == "" and step is not None:
            role = "step"
        if role not in ROLES:
            raise DomainError(N_("Unknown role “{role}”."), field="role", role=role)
        if role == "step" and step not in steps:
            raise DomainError(N_("Event “{event}”: choose a step of this journey."), field="step_id", event=event)
        records.append((int(log_id), int(planned.journey_id), str(event), step if role == "step" else None, role))
    log = get_log(store, log_id)
    with store.transaction() as cursor:
        cursor.execute("DELETE FROM event_mapping WHERE log_id = ? AND journey_id = ?", [int(log_id), int(planned.journey_id)])
        drop_sequences(cursor, log_id, planned.journey_id)
        if records:
            cursor.executemany("INSERT INTO event_mapping VALUES (?, ?, ?, ?, ?)", records)
        build_sequences(cursor, log, planned.journey_id)  # the ordering work once here, not on every page run
    return sum(1 for r in records if r[4] == "step")


def accept_suggestions(store: EventStore, log_id: int, planned: PlannedMap) -> int:
    """Save the suggestions (and keep what was saved already) — the one-click start."""
    table = mapping_table(store, log_id, planned)
    return save_mapping(store, log_id, planned, table)
