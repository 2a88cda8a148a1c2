"""A generator of realistic event logs with known ground truth.

Simulated customers walk a branched journey map with its planned shares: they enter at the entry
steps by their entry shares, follow a step's transitions by their shares and drop off with what the
shares leave of 100 %; an exit step ends the walk; loops happen where the map has them. On top come
the deviations a real log has, each injected at a known rate and recorded in :class:`Truth`:

- *missing*: a step's event is not written (the customer passed it unseen);
- *ad hoc*: events that stand for no step (chat opened, newsletter);
- *failing*: an error event right after a step;
- repeats: a step's event written twice in a row (a reload);
- an *incident*: in one calendar week (counted from :data:`START`, a Monday) a step's shares are
  multiplied by a factor (e.g. halved conversion).

Events are written with a few names per step (``event_names``), a channel and two segment columns
(platform, acquisition channel), at realistic times: case starts spread over the weeks, minutes to
days between steps. The generator is plain Python with a seeded ``random.Random``: the same
arguments give the same log.
"""

import csv
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from services.eventlog.planned import PlannedMap

START = datetime(2026, 1, 5)  # a Monday
PLATFORMS = {"web": 0.6, "app": 0.4}
ACQUISITION = {"seo": 0.45, "sea": 0.3, "newsletter": 0.15, "social": 0.1}
CHANNEL_OF_PLATFORM = {"web": "Website", "app": "App"}

# The demo shop journey's events, as a web analytics tool would name them.
DEMO_EVENTS = {
    "Sucht leichten Handgepäck-Koffer": ["suche_handgepaeck_koffer", "suchanzeige_geklickt"],
    "Kommt über ein Testportal": ["testportal_referral"],
    "Landet auf der Produktseite": ["produktseite_aufgerufen"],
    "Klärt Fragen in der FAQ": ["faq_gelesen"],
    "Geht zur Kasse": ["kasse_aufgerufen", "warenkorb_zur_kasse"],
    "Wählt Zahlungsart": ["zahlungsart_gewaehlt"],
    "Bricht Kauf ab": ["kauf_abgebrochen"],
    "Bestellung abgeschlossen": ["bestellung_abgeschlossen"],
    "Erhält die Lieferung": ["lieferung_zugestellt"],
    "Schickt den Koffer zurück": ["retoure_angemeldet"],
    "Bekommt Feedback-Mail mit Rabattcode": ["feedback_mail_geoeffnet"],
    "Kauft erneut mit Rabattcode": ["rabattcode_eingeloest"],
}
DEMO_AD_HOC = {"chat_geoeffnet": 0.05, "newsletter_angemeldet": 0.03}
DEMO_ERRORS = {"Wählt Zahlungsart": ("zahlung_fehlgeschlagen", 0.04)}
DEMO_SKIPS = {"Wählt Zahlungsart": 0.05}


def slug(text: str) -> str:
    folded = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", folded).strip("_") or "event"


@dataclass
class Truth:
    """What the generator did: the ground truth the analyses must recover."""

    cases: int = 0
    events: int = 0
    visits: Counter = field(default_factory=Counter)  # step → walks through it (seen or not)
    taken: Counter = field(default_factory=Counter)  # (source, target) → planned transitions walked
    dropped: Counter = field(default_factory=Counter)  # step → walks that ended there (not at an exit)
    skipped: Counter = field(default_factory=Counter)  # step → visits whose event was not written and were followed by an event
    irregular: Counter = field(default_factory=Counter)  # (seen before, seen after) → transitions caused by skips
    ad_hoc: Counter = field(default_factory=Counter)  # event name → occurrences
    failing: Counter = field(default_factory=Counter)  # step → error events after it
    repeats: Counter = field(default_factory=Counter)  # step → repeated events
    incident: tuple[int, int] | None = None  # (step, week index)


@dataclass
class Scenario:
    """Deviations to inject, keyed by step id."""

    skip: dict[int, float] = field(default_factory=dict)  # step → probability its event is not written
    ad_hoc: dict[str, float] = field(default_factory=dict)  # event name → probability per case
    errors: dict[int, tuple[str, float]] = field(default_factory=dict)  # step → (error event, probability)
    repeat: float = 0.0  # probability a step's event is written twice
    incident: tuple[int, int, float] | None = None  # (step, week index, factor on its shares)
    weeks: int = 12


def demo_scenario(planned: PlannedMap, *, incident_week: int | None = 8) -> tuple[Scenario, dict[int, list[str]]]:
    """The demo shop journey's deviations and event names (steps matched by title; others get a slug)."""
    by_title = {t: int(i) for i, t in zip(planned.steps["step_id"], planned.steps["title"], strict=True)}
    names = {i: DEMO_EVENTS.get(t, [slug(t)]) for t, i in by_title.items()}
    scenario = Scenario(
        skip={by_title[t]: p for t, p in DEMO_SKIPS.items() if t in by_title},
        ad_hoc=dict(DEMO_AD_HOC),
        errors={by_title[t]: e for t, e in DEMO_ERRORS.items() if t in by_title},
        repeat=0.03,
    )
    if incident_week is not None and "Geht zur Kasse" in by_title:
        scenario.incident = (by_title["Geht zur Kasse"], incident_week, 0.5)
    return scenario, names


def _pick(rng: random.Random, options: list[tuple[object, float]]) -> object:
    roll, total = rng.random(), 0.0
    for value, weight in options:
        total += weight
        if roll < total:
            return value
    return None


def _weights(shares: dict[str, float]) -> list[tuple[object, float]]:
    total = sum(shares.values())
    return [(k, v / total) for k, v in shares.items()]


def walk(planned: PlannedMap, cases: int, scenario: Scenario | None = None, *, event_names: dict[int, list[str]] | None = None,
         seed: int = 0, max_steps: int = 60):
    """Yield one tuple ``(case_id, timestamp, event, channel, platform, acquisition)`` per event; ``truth`` is filled as it goes.

    Returns a generator; its ``Truth`` is the generator's return value (``StopIteration.value``);
    :func:`simulate` collects both.
    """
    scenario = scenario or Scenario()
    rng = random.Random(seed)
    steps = planned.steps
    exits = {int(s) for s, e in zip(steps["step_id"], steps["is_exit"], strict=True) if e}
    entries = [(int(s), float(share) if pd.notna(share) else 0.0)
               for s, share, e in zip(steps["step_id"], steps["entry_share"], steps["is_entry"], strict=True) if e]
    if not entries:
        entries = [(int(steps["step_id"].iat[0]), 100.0)]
    if sum(w for _, w in entries) <= 0:
        entries = [(s, 1.0) for s, _ in entries]
    total = sum(w for _, w in entries)
    entry_options = [(s, w / total) for s, w in entries]
    out: dict[int, list[tuple[int, float]]] = {}
    for s, t, share in zip(planned.transitions["source"], planned.transitions["target"], planned.transitions["share"], strict=True):
        out.setdefault(int(s), []).append((int(t), (float(share) if pd.notna(share) else 0.0) / 100))
    names = event_names or {int(s): [slug(t)] for s, t in zip(steps["step_id"], steps["title"], strict=True)}
    platforms, acquisitions = _weights(PLATFORMS), _weights(ACQUISITION)
    span = scenario.weeks * 7 * 24 * 3600
    truth = Truth(incident=(scenario.incident[0], scenario.incident[1]) if scenario.incident else None)
    width = len(str(cases))
    for number in range(cases):
        case = f"K{number:0{width}d}"
        platform = _pick(rng, platforms)
        acquisition = _pick(rng, acquisitions)
        channel = CHANNEL_OF_PLATFORM[platform]
        clock = START + timedelta(seconds=rng.random() * span)
        written: list[tuple[datetime, str, int | None]] = []  # (time, event, step or None)
        last_seen: int | None = None
        pending_skip: int | None = None
        step = _pick(rng, entry_options)
        for _ in range(max_steps):
            truth.visits[step] += 1
            skip = rng.random() < scenario.skip.get(step, 0.0)
            if skip:
                pending_skip = step
            else:
                if pending_skip is not None and last_seen is not None:
                    truth.skipped[pending_skip] += 1
                    truth.irregular[(last_seen, step)] += 1
                pending_skip = None
                written.append((clock, rng.choice(names[step]), step))
                if rng.random() < scenario.repeat:
                    clock += timedelta(seconds=5 + rng.random() * 60)
                    written.append((clock, rng.choice(names[step]), step))
                    truth.repeats[step] += 1
                last_seen = step
                error = scenario.errors.get(step)
                if error and rng.random() < error[1]:
                    clock += timedelta(seconds=10 + rng.random() * 120)
                    written.append((clock, error[0], None))
                    truth.failing[step] += 1
            if step in exits:
                break
            options = out.get(step, [])
            if scenario.incident and scenario.incident[0] == step and scenario.incident[1] == (clock - START).days // 7:
                options = [(t, p * scenario.incident[2]) for t, p in options]
            target = _pick(rng, options)
            if target is None:
                truth.dropped[step] += 1
                break
            truth.taken[(step, target)] += 1
            clock += timedelta(minutes=rng.lognormvariate(3.0, 1.2))
            step = target
        for name, chance in scenario.ad_hoc.items():
            if rng.random() < chance and written:
                at = rng.randrange(len(written))
                moment = written[at][0] + timedelta(seconds=1)
                written.insert(at + 1, (moment, name, None))
                truth.ad_hoc[name] += 1
        truth.cases += 1
        truth.events += len(written)
        for moment, event, _step in written:
            yield case, moment, event, channel, platform, acquisition
    return truth


HEADER = ["case_id", "timestamp", "event", "channel", "platform", "acquisition"]


def simulate(planned: PlannedMap, cases: int, scenario: Scenario | None = None, *,
             event_names: dict[int, list[str]] | None = None, seed: int = 0) -> tuple[pd.DataFrame, Truth]:
    """The whole log as a DataFrame (columns :data:`HEADER`) and its ground truth."""
    rows: list[tuple] = []
    generator = walk(planned, cases, scenario, event_names=event_names, seed=seed)
    while True:
        try:
            rows.append(next(generator))
        except StopIteration as stop:
            return pd.DataFrame(rows, columns=HEADER), stop.value


def write_csv(planned: PlannedMap, cases: int, path: Path, scenario: Scenario | None = None, *,
              event_names: dict[int, list[str]] | None = None, seed: int = 0, separator: str = ",") -> Truth:
    """Stream the log into a CSV file (UTF-8, ISO times) without holding it in memory."""
    generator = walk(planned, cases, scenario, event_names=event_names, seed=seed)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=separator)
        writer.writerow(HEADER)
        while True:
            try:
                case, moment, event, channel, platform, acquisition = next(generator)
            except StopIteration as stop:
                return stop.value
            writer.writerow((case, moment.isoformat(sep=" ", timespec="seconds"), event, channel, platform, acquisition))
