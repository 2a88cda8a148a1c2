"""A person's dots in the open voting round: every card of the focused map with "−", its dots and "+",
drawn by one small browser component.

Why one component and not a number input per card: a change in the room reruns every participant's
live fragment (:mod:`components.room_watch`), and Streamlit queues every element of a run separately
(a message, a wake-up of the server's event loop, a session-state scan per widget). Forty number
inputs were half the server's time when a change reached a room of fifty; one element with the same
cards costs what one does.

Clicks change the count in the browser at once and are sent together after a short quiet pause as
the numbers the person ended on (a trigger value ``dots``: ``{"seq": 4, "dots": {"step_id.12": 3}}``),
which :func:`services.workshop.set_dots` makes the database say exactly (idempotent): a burst of clicks
is one message, none is lost or counted twice. Every send carries all numbers not confirmed yet, and
each run tells the browser up to which send it has applied (``seen``), so a message lost on the way
is sent again. The run's data is the database's answer; a number it refused (over the budget, a round
closed meanwhile) simply shows the database's count again.
Labels are user text and go into the page as text, never as HTML.
"""

from collections.abc import Callable

import streamlit as st

from components.i18n import _
from services import workshop

JS = r"""
export default function ({ data, parentElement, setTriggerValue }) {
  // Called again with each run's data on the same element: one board per element, fed the newest data.
  if (parentElement.jwDots) {
    parentElement.jwDots.renew(data);
    return parentElement.jwDots.stop;
  }
  const board = document.createElement("div");
  board.className = "jw-dots";
  const status = document.createElement("p");
  status.className = "jw-dots-left";
  status.setAttribute("aria-live", "polite");
  const list = document.createElement("ul");
  board.append(status, list);
  parentElement.appendChild(board);
  // wanted: numbers the database has not confirmed yet; dirty: changed since the last send; sentAt: the send
  // (its number) that last carried a key. Every send carries all of wanted, so a lost message loses nothing.
  let shown, wanted = {}, dirty = new Set(), sentAt = {}, seq = 0, quiet = null, retry = null;
  const count = (key) => (key in wanted ? wanted[key] : shown.have[key] || 0);
  const left = () => shown.budget - shown.elsewhere - shown.cards.reduce((sum, [key]) => sum + count(key), 0);
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  const draw = () => {
    status.textContent = fill(shown.labels.left, {left: Math.max(left(), 0), dots: shown.budget});
    list.querySelectorAll("li").forEach((row) => {
      const key = row.dataset.key;
      const n = count(key);
      row.querySelector(".jw-dots-n").textContent = n ? "●".repeat(Math.min(n, 10)) + " " + n : "0";
      row.querySelector(".jw-dots-less").disabled = n === 0;
      row.querySelector(".jw-dots-more").disabled = left() <= 0;
    });
  };
  const send = () => {
    quiet = null;
    if (!Object.keys(wanted).length) return;
    seq += 1;
    for (const key of dirty) sentAt[key] = seq;
    dirty.clear();
    setTriggerValue("dots", {seq, dots: {...wanted}});
    clearTimeout(retry);
    retry = setTimeout(() => { if (shown.seen < seq && quiet === null) send(); }, shown.retry);  // no answer: again
  };
  const click = (key, step) => {
    const n = count(key) + step;
    if (n < 0 || (step > 0 && left() <= 0)) return;
    wanted[key] = n;
    dirty.add(key);
    draw();
    clearTimeout(quiet);
    quiet = setTimeout(send, shown.quiet);  // a burst of clicks leaves as the numbers it ended on
  };
  const button = (text, name, aria, key, step) => {
    const element = document.createElement("button");
    element.type = "button";
    element.className = name;
    element.textContent = text;
    element.setAttribute("aria-label", aria);
    element.addEventListener("click", () => click(key, step));
    return element;
  };
  const build = () => {
    list.replaceChildren(...shown.cards.map(([key, label]) => {
      const row = document.createElement("li");
      row.dataset.key = key;
      const name = document.createElement("span");
      name.className = "jw-dots-label";
      name.textContent = label;
      const n = document.createElement("span");
      n.className = "jw-dots-n";
      row.append(name, button("−", "jw-dots-less", fill(shown.labels.less, {card: label}), key, -1), n,
                 button("+", "jw-dots-more", fill(shown.labels.more, {card: label}), key, 1));
      return row;
    }));
  };
  const renew = (fresh) => {
    const cards = JSON.stringify(fresh.cards.map(([key, label]) => [key, label]));
    const rebuild = !shown || cards !== JSON.stringify(shown.cards.map(([key, label]) => [key, label]));
    shown = fresh;
    // The database answered every send up to fresh.seen: its count holds (a refused number included),
    // unless the person clicked the card again since.
    for (const key of Object.keys(wanted)) {
      if (!dirty.has(key) && sentAt[key] <= fresh.seen) {
        delete wanted[key];
        delete sentAt[key];
      }
    }
    if (rebuild) build();
    draw();
  };
  renew(data);
  const stop = () => {
    clearTimeout(quiet);
    clearTimeout(retry);
    board.remove();
    delete parentElement.jwDots;
  };
  parentElement.jwDots = {renew, stop};
  return stop;
}
"""
CSS = """
.jw-dots-left {margin: 0 0 .5rem;}
.jw-dots ul {list-style: none; margin: 0; padding: 0; display: grid; gap: .25rem 1.5rem;
  grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr));}
.jw-dots li {display: flex; align-items: center; gap: .4rem; margin: 0;}
.jw-dots-label {flex: 1; overflow-wrap: anywhere;}
.jw-dots-n {min-width: 3.5rem; text-align: center; font-variant-numeric: tabular-nums; color: var(--st-primary-color);}
.jw-dots button {font: inherit; width: 2rem; height: 2rem; border-radius: .5rem; cursor: pointer;
  border: 1px solid var(--st-border-color, #d0d7de); background: var(--st-secondary-background-color, #f0f2f6);
  color: var(--st-text-color);}
.jw-dots button:disabled {opacity: .4; cursor: default;}
.jw-dots button:focus-visible {outline: 2px solid var(--st-primary-color); outline-offset: 1px;}
"""
QUIET_MS = 300  # the pause after the last click before the numbers are sent
RETRY_MS = 4000  # sent again when no run answered it by then (the numbers are "exactly n": a repeat changes nothing)
_board = st.components.v2.component("journey_workbench.dot_board", js=JS, css=CSS)

Card = tuple[str, int]  # (the vote's keyword, one of workshop.VOTE_TARGETS; the card's id)


def card_key(card: Card) -> str:
    """The card as the browser names it: ``"step_id.12"``."""
    return f"{card[0]}.{card[1]}"


def parse_card(key: str) -> Card | None:
    """:func:`card_key` read back; None for anything else (the browser is not trusted)."""
    field, _dot, number = key.partition(".")
    if field not in workshop.VOTE_TARGETS or not number.isdigit():
        return None
    return field, int(number)


def dot_board(key: str, targets: list[tuple[Card, str]], mine: dict[Card, int], budget: int,
              on_dots: Callable[[], None]) -> None:
    """Draw the person's dots on ``targets`` (card → label) out of ``budget``; ``mine`` are the dots
    the database has for them, on these cards and on others (other stages count against the budget
    too). ``on_dots()`` runs before the next run when the person changed numbers; it reads them with
    :func:`changed_dots`, which also notes the send as answered (the board then shows the database's counts)."""
    shown = {card for card, _label in targets}
    data = {
        "cards": [[card_key(card), label] for card, label in targets],
        "have": {card_key(card): n for card, n in mine.items() if card in shown and n},
        "elsewhere": sum(n for card, n in mine.items() if card not in shown),
        "budget": budget, "seen": st.session_state.get(_seen(key), 0), "quiet": QUIET_MS, "retry": RETRY_MS,
        "labels": {"left": _("You have {left} of {dots} dots left."), "more": _("Add a dot to {card}"),
                   "less": _("Take a dot back from {card}")},
    }
    _board(key=key, data=data, on_dots_change=on_dots)


def _seen(key: str) -> str:
    return f"{key}.seen"


def changed_dots(key: str) -> dict[Card, int]:
    """The numbers the person set on the board ``key`` (inside ``on_dots``): only well-formed cards and
    counts from 0 to 999 (the service checks the budget). The send's number is remembered, so the next
    drawing tells the browser which of its sends the database has answered."""
    state = st.session_state.get(key)
    sent = getattr(state, "dots", None) if state is not None else None
    if not isinstance(sent, dict) or not isinstance(sent.get("dots"), dict) or not _count(sent.get("seq"), 10**9):
        return {}
    st.session_state[_seen(key)] = max(st.session_state.get(_seen(key), 0), sent["seq"])
    changed: dict[Card, int] = {}
    for name, count in sent["dots"].items():
        card = parse_card(str(name))
        if card is not None and _count(count, 999):
            changed[card] = count
    return changed


def _count(value: object, most: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most
