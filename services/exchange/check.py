"""Reading and checking an exchange file completely before anything is written: size, encoding,
JSON syntax (a truncated file is told apart from a broken one), format and version, the JSON
Schema (types, lengths, ranges, codes), and the references and names (every key unique, every
reference known and of the right kind, no duplicate names, transitions and votes inside their
journey, …). Every problem is listed with its place (:class:`~services.core.Problems`).
"""

import base64
import binascii
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as SchemaError

from services import core, personas
from services.core import N_, DomainError, Problem, Problems, ValidationErrors
from services.exchange.document import DATE_FIELDS, IMPORT_REFUSED, MAX_IMPORT_BYTES, MAX_PROBLEMS, NAMED, PART, _refuse, _values
from services.exchange.format import (
    ENTITY_KINDS,
    FORMAT,
    JOURNEY,
    PARTS,
    SCHEMA_PATH,
    VERSION,
    Part,
)

# --- reading and checking a file ------------------------------------------------------------------


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800"): JSON allows it, no database text does
        return False
    return True


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _size(count: int, *, up: bool = True) -> str:
    """A size in MB with one decimal, rounded up (a file's size) or down (a limit), so they never look equal."""
    tenths = count / (1024 * 1024) * 10
    return f"{(math.ceil(tenths) if up else math.floor(tenths)) / 10:.1f} MB"


def parse(data: bytes | str, *, max_bytes: int = MAX_IMPORT_BYTES) -> Any:
    """The file's JSON value; Problems for a file too large, empty, not UTF-8 or not (complete) JSON."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise _refuse(N_("The file is {size}; at most {limit} can be imported."), size=_size(len(raw)), limit=_size(max_bytes, up=False))
    if not raw.strip():
        raise _refuse(N_("The file is empty."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(N_("The file is not UTF-8 text, so it is no Journey Workbench export.")) from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            raise _refuse(N_("The file ends in the middle of the data (line {line}): it is incomplete, perhaps cut off "
                             "while downloading. Export it again."), line=exc.lineno) from None
        raise _refuse(N_("The file is not valid JSON: {detail} (line {line}, column {column})."),
                      detail=exc.msg, line=exc.lineno, column=exc.colno) from None
    except (ValueError, RecursionError):
        raise _refuse(N_("The file is not valid JSON: it contains values JSON does not allow (NaN, Infinity) "
                         "or is nested too deeply.")) from None


def read_document(data: bytes | str, *, max_bytes: int = MAX_IMPORT_BYTES) -> dict[str, Any]:
    """Parse and check a file completely; returns the document or raises :class:`~services.core.Problems`."""
    document = parse(data, max_bytes=max_bytes)
    check_header(document)
    problems = schema_problems(document)
    if not problems:
        problems = _Checker(document).run()
    if problems:
        raise Problems(problems[:MAX_PROBLEMS], IMPORT_REFUSED)
    return document


def check_header(document: Any) -> None:
    """Format and version, before the schema (whose messages would not say what is wrong)."""
    if not isinstance(document, dict) or "format" not in document:
        raise _refuse(N_("This file is no Journey Workbench export: it has no “format” field."))
    if document["format"] != FORMAT:
        raise _refuse(N_("Unknown format “{found}”: this app reads “{expected}” files."),
                      found=str(document["format"])[:80], expected=FORMAT)
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _refuse(N_("Unknown format version “{found}”: this app reads version {supported}."),
                      found=str(version)[:40], supported=VERSION)
    if version > VERSION:
        raise _refuse(N_("The file was written by a newer Journey Workbench (format version {found}); this app reads "
                         "version {supported}. Update the app, or export from the newer one in the older format."),
                      found=version, supported=VERSION)


def where(document: Any, path: Iterable[Any]) -> str:
    """A readable place in the document: ``journeys #2 “Sommerurlaub” › stages #1 “Awareness” › emotion``."""
    parts: list[str] = []
    node = document
    for step in path:
        if isinstance(step, int) and isinstance(node, list):
            node = node[step] if step < len(node) else None
            label = next((node[k] for k in ("name", "title", "text", "key") if isinstance(node, dict)
                          and isinstance(node.get(k), str)), None)
            parts[-1] = f"{parts[-1] if parts else ''} #{step + 1}" + (f" “{label[:60]}”" if label else "")
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return " › ".join(parts)


def _schema_problem(document: dict[str, Any], error: SchemaError) -> Problem:
    place = where(document, error.absolute_path)
    value = error.instance
    shown = json.dumps(value, ensure_ascii=False)[:60] if not isinstance(value, dict | list) else type(value).__name__
    kind = error.validator
    if kind == "type":
        expected = error.validator_value if isinstance(error.validator_value, str) else " or ".join(error.validator_value)
        return Problem(None, place, DomainError(N_("Expected {expected}, found {value}."), expected=expected, value=shown))
    if kind in ("minimum", "maximum", "exclusiveMinimum"):
        schema = error.schema
        low, high = schema.get("minimum", schema.get("exclusiveMinimum")), schema.get("maximum")
        if low is not None and high is not None:
            return Problem(None, place, DomainError(N_("{value} is out of range: allowed are {low} to {high}."),
                                              value=shown, low=low, high=high))
        if high is None:
            return Problem(None, place, DomainError(N_("{value} is too small: at least {low}."), value=shown, low=low))
        return Problem(None, place, DomainError(N_("{value} is too large: at most {high}."), value=shown, high=high))
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return Problem(None, place, DomainError(N_("The field “{name}” is missing."), name=missing))
    if kind == "additionalProperties":
        extra = sorted(set(value) - set(error.schema.get("properties", {}))) if isinstance(value, dict) else []
        return Problem(None, place, DomainError(N_("Unknown field(s): {names}."), names=", ".join(extra)))
    if kind == "enum":
        allowed = ", ".join("null" if v is None else (v or "“”") for v in error.validator_value)
        return Problem(None, place, DomainError(N_("{value} is not allowed here: use one of {allowed}."), value=shown, allowed=allowed))
    if kind == "maxLength":
        return Problem(None, place, DomainError(N_("The text is too long: at most {max} characters."), max=error.validator_value))
    if kind == "minLength":
        return Problem(None, place, DomainError(N_("This must not be empty.")))
    if kind == "pattern":
        return Problem(None, place, DomainError(N_("{value} is no valid key: letters, digits and . _ : - only."), value=shown))
    if kind == "format":
        return Problem(None, place, DomainError(N_("{value} is not a valid {format}."), value=shown, format=error.validator_value))
    if kind == "const":
        return Problem(None, place, DomainError(N_("Expected {expected}, found {value}."), expected=error.validator_value, value=shown))
    return Problem(None, place, DomainError(N_("Invalid value: {detail}."), detail=error.message[:200]))


@cache
def _quick_check() -> Any:
    """The same schema compiled to Python code by fastjsonschema, a yes/no answer about ten times faster
    than walking it: a valid file (the usual case) passes in one go, and only a refused one is walked by
    jsonschema for its complete list of placed problems, so the outcome is jsonschema's in every case.
    Its keywords are all draft-07's too (the test holds the two to the same verdict on the corpus)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return fastjsonschema.compile({**schema, "$schema": "http://json-schema.org/draft-07/schema#"})


def schema_problems(document: dict[str, Any]) -> list[Problem]:
    try:
        _quick_check()(document)
        return []
    except fastjsonschema.JsonSchemaException:
        pass  # refused: the full walk below says where and why (and is the authority)
    errors = sorted(_validator().iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    return [_schema_problem(document, e) for e in errors[:MAX_PROBLEMS]]


@dataclass
class _Entity:
    kind: str
    path: tuple[Any, ...]
    obj: dict[str, Any]
    journey: str | None = None  # the key of the journey it is in (stages, steps, items on steps)


class _Checker:
    """References and names: what a schema cannot say."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.doc = document
        self.entities: dict[str, _Entity] = {}
        self.problems: list[Problem] = []

    def problem(self, path: Iterable[Any], message: str, **params: Any) -> None:
        self.problems.append(Problem(None, where(self.doc, path), DomainError(message, **params)))

    def run(self) -> list[Problem]:
        for path, part, obj, journey in _objects(self.doc):
            if not part.kind:
                continue
            key = obj["key"]
            if key in self.entities:
                self.problem((*path, "key"), N_("The key “{key}” is used twice (first at {other})."),
                             key=key, other=where(self.doc, self.entities[key].path))
            else:
                self.entities[key] = _Entity(part.kind, path, obj, journey)
        if self.problems:
            return self.problems
        self.check_names()
        for path, part, obj, journey in _objects(self.doc):
            self.check_refs(path, part, obj, journey)
            self.check_rules(path, part, obj)
            self.check_object(path, part, obj)
        return self.problems

    def check_rules(self, path: tuple[Any, ...], part: Part, obj: dict[str, Any]) -> None:
        """The rules the forms apply (the table model's: blank names, ranges, lengths), on the values the
        import would write, so that what the preview accepts the import writes; plus what JSON allows and
        a database does not (integers beyond 64 bits, lone surrogates)."""
        try:
            values = _values(part, obj)
        except (TypeError, ValueError):
            return  # the schema or the date checks below name it
        for name, value in values.items():
            if isinstance(value, int) and not isinstance(value, bool) and not -(2 ** 63) <= value < 2 ** 63:
                self.problem((*path, name), N_("{value} is too large: at most {high}."), value=str(value)[:40], high=2 ** 63 - 1)
                return
            if isinstance(value, float) and not math.isfinite(value):
                self.problem((*path, name), N_("{value} is not a finite number."), value=str(value))
                return
            if isinstance(value, str) and not _encodable(value):
                self.problem((*path, name), N_("The text contains characters that are not valid Unicode."))
                return
        ids = {name: 1 for name, field in part.model.model_fields.items() if name.endswith("_id") and field.is_required()}
        try:
            core.check_row(part.model, {**values, **ids})
        except ValidationErrors as exc:
            for error in exc.errors:
                self.problems.append(Problem(None, where(self.doc, (*path, error.field) if error.field else path), error))
        except DomainError as exc:
            self.problems.append(Problem(None, where(self.doc, path), exc))

    def check_names(self) -> None:
        for name, (_model, column) in NAMED.items():
            seen: dict[str, int] = {}
            for index, obj in enumerate(self.doc.get(name, [])):
                value = obj[column].strip()
                if value in seen:
                    self.problem((name, index, column), N_("The name “{name}” appears twice in {list} (also no. {other})."),
                                 name=value, list=name, other=seen[value] + 1)
                seen.setdefault(value, index)

    def target(self, path: tuple[Any, ...], name: str, key: Any, kinds: tuple[str, ...], journey: str | None) -> None:
        if key is None:
            return
        entity = self.entities.get(key)
        if entity is None:
            self.problem((*path, name), N_("“{key}” refers to nothing in the file."), key=key)
        elif kinds and entity.kind not in kinds:
            self.problem((*path, name), N_("“{key}” is a {found}, but a {expected} is needed here."),
                         key=key, found=entity.kind, expected=" / ".join(kinds))
        elif journey and entity.journey and entity.journey != journey and name in ("from", "to", "target"):
            self.problem((*path, name), N_("“{key}” belongs to another journey."), key=key)

    def check_refs(self, path: tuple[Any, ...], part: Part, obj: dict[str, Any], journey: str | None) -> None:
        for name, ref in part.refs.items():
            value = obj.get(name)
            for key in (value or []) if ref.many else [value]:
                self.target(path, name, key, ref.kinds, journey)

    def check_object(self, path: tuple[Any, ...], part: Part, obj: dict[str, Any]) -> None:  # noqa: C901 - a list of rules
        name = part.name
        if part is PART["personas"]:
            self.unique(path, obj.get("channels", []), "channels", lambda c: c["channel"], N_("The channel “{value}” is listed twice."))
            if obj.get("avatar_image"):
                try:
                    personas.validate_avatar(base64.b64decode(obj["avatar_image"], validate=True))
                except (binascii.Error, ValueError):
                    self.problem((*path, "avatar_image"), N_("The avatar image is not valid base64."))
                except DomainError as exc:
                    self.problems.append(Problem(None, where(self.doc, (*path, "avatar_image")), exc))
        elif part is JOURNEY:
            if obj.get("next_journey") is not None and obj.get("next_journey") == obj["key"]:
                self.problem((*path, "next_journey"), N_("A journey cannot lead into itself."))
            self.unique(path, obj.get("transitions", []), "transitions", lambda t: (t["from"], t["to"]),
                        N_("The transition {value} appears twice."))
            for index, transition in enumerate(obj.get("transitions", [])):
                if transition["from"] == transition["to"]:
                    self.problem((*path, "transitions", index), N_("A transition cannot lead from a step to itself."))
        elif name == "steps":
            self.unique(path, obj.get("touchpoints", []), "touchpoints", lambda t: t["touchpoint"],
                        N_("The touchpoint “{value}” is attached twice."))
            self.unique(path, obj.get("persona_emotions", []), "persona_emotions", lambda e: e["persona"],
                        N_("The persona “{value}” has two scores here."))
        elif part is PART["content_items"]:
            self.unique(path, obj.get("mappings", []), "mappings", lambda m: (m.get("persona"), m["stage"], m["channel"]),
                        N_("The mapping {value} appears twice."))
        elif part is PART["metrics"]:
            self.unique(path, obj.get("measurements", []), "measurements", lambda m: m["measured_on"],
                        N_("Two measurements on {value}."))
            self.check_scope(path, obj)
        elif part is PART["activity"]:
            kind = ENTITY_KINDS.get(obj["entity_type"])
            entity = self.entities.get(obj.get("entity"))
            if kind and entity is not None and entity.kind != kind:
                self.problem((*path, "entity"), N_("“{key}” is a {found}, but a {expected} is needed here."),
                             key=obj["entity"], found=entity.kind, expected=kind)
        for name in DATE_FIELDS.get(part.model, ()):
            value = obj.get(name)
            try:
                if isinstance(value, str):
                    (datetime if name != "measured_on" else date).fromisoformat(value)
            except ValueError:
                self.problem((*path, name), N_("{value} is not a valid {format}."), value=value[:40],
                             format="date" if name == "measured_on" else "date-time")

    def check_scope(self, path: tuple[Any, ...], metric: dict[str, Any]) -> None:
        scope = metric.get("scope", "workspace")
        needed = {"journey": "journey", "step": "step", "touchpoint": "touchpoint"}.get(scope)
        if needed and metric.get(needed) is None:
            self.problem((*path, needed), N_("A metric of scope “{scope}” needs its {what}."), scope=scope, what=needed)
        forbidden = {"workspace": ("journey", "step", "touchpoint"), "journey": ("step", "touchpoint"),
                     "step": ("touchpoint",), "touchpoint": ("step",)}.get(scope, ())
        for other in forbidden:
            if metric.get(other) is not None:
                self.problem((*path, other), N_("A metric of scope “{scope}” cannot name a {what}."), scope=scope, what=other)

    def unique(self, path: tuple[Any, ...], rows: list[dict[str, Any]], name: str, key: Any, message: str) -> None:
        seen: set[Any] = set()
        for index, row in enumerate(rows):
            value = key(row)
            if value in seen:
                shown = " → ".join(str(v) for v in value) if isinstance(value, tuple) else value
                self.problem((*path, name, index), message, value=shown)
            seen.add(value)


def _objects(document: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], Part, dict[str, Any], str | None]]:
    """Every object of every list: (path, part, object, key of the journey it is in)."""

    def visit(part: Part, rows: list[dict[str, Any]], path: tuple[Any, ...], journey: str | None) -> Iterator[Any]:
        for index, obj in enumerate(rows):
            here = (*path, index)
            inside = obj["key"] if part is JOURNEY else journey
            yield here, part, obj, inside
            for child in part.children:
                yield from visit(child, obj.get(child.name, []), (*here, child.name), inside)

    for part in PARTS:
        yield from visit(part, document.get(part.name, []), (part.name,), None)
