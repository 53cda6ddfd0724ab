"""The shapes a guideline section is made of: fields, checks and the section itself.

The check factories and keyword patterns the catalogue builds its checks from live beside
this file, in ``guidelines/checks.py``; ``run_checks`` and ``section_state`` here run them.

The catalogue of the twelve sections (``guidelines/sections.py``) is written with these
types; the wizard, progress bar, validation, compare, renderers and PDF read them, so a new
section is one more entry in the catalogue and nothing else.

Section content is plain JSON: ``{field_name: value}`` where the value's shape depends on
the field kind (see ``FieldKind``). A whole guideline's content is
``{section_key: {field_name: value}}``.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from .packs import applies

SectionData = dict[str, Any]
Content = dict[str, SectionData]


class FieldKind(enum.StrEnum):
    MARKDOWN = "markdown"  # str, Markdown prose
    TEXT = "text"  # str, one line
    URL = "url"  # str, an http(s) URL
    EMAIL = "email"  # str
    PHONE = "phone"  # str
    CHOICE = "choice"  # str, one of Field.choices' values
    LIST = "list"  # list[str], short items (do's, hashtags, audiences)
    TABLE = "table"  # list[dict[str, str]], rows with Field.columns


@dataclass(frozen=True)
class Field:
    """One input of a section; tables describe their columns with nested Fields."""

    name: str
    label: str
    kind: FieldKind
    help: str = ""
    max_length: int = 200
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    columns: tuple[Field, ...] = ()
    max_items: int = 50
    # For tables: the columns whose values identify a row (compare says "added account @x",
    # validation refuses two rows with the same identity).
    identity: tuple[str, ...] = ()
    # A template for describing a row or item in compare output, e.g. "account {handle}".
    item_label: str = "{value}"
    # Prose (Markdown) fields: whether the editor offers headings here.
    headings: bool = True

    def empty(self) -> Any:
        if self.kind in (FieldKind.LIST, FieldKind.TABLE):
            return []
        return ""


@dataclass(frozen=True)
class Check:
    """A completeness check: must pass before the draft can be submitted."""

    code: str
    message: str  # what is missing, written for the author ("Name at least one official account")
    test: Callable[[SectionData], bool]
    field: str | None = None  # the field the author should fix, for "fix it" links
    # Checks that read meaning say what they found: the quoted sentence and why it matters
    # ("" when nothing was found). When set, the check passes exactly when it finds nothing.
    finder: Callable[[SectionData], str] | None = None
    # Advice (the tone check) is shown beside the checks but never blocks submitting.
    advisory: bool = False


@dataclass(frozen=True)
class CheckResult:
    code: str
    message: str
    passed: bool
    field: str | None
    detail: str = ""  # what a meaning check found, quoted, and why it matters
    advisory: bool = False

    @property
    def blocking(self) -> bool:
        """A failure that keeps the draft from being submitted."""
        return not self.passed and not self.advisory


class SectionState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    FAILING = "failing"

    @property
    def label(self) -> str:
        return {
            "not_started": "Not started",
            "in_progress": "In progress",
            "complete": "Complete",
            "failing": "Check failing",
        }[self.value]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    question: str  # the title in question-and-answer form ("Who do these guidelines apply to?")
    why: str  # why the section matters, shown at the top of its wizard step
    prompts: tuple[str, ...]
    scenarios: tuple[str, ...]
    fields: tuple[Field, ...]
    starter: Mapping[str, Any]  # field name -> starter value, with {placeholders}
    checks: tuple[Check, ...] = field(default_factory=tuple)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def canonical_json(content: Content) -> str:
    """One serialisation per content, so that equal texts always give equal hashes."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(content: Content) -> str:
    """The fingerprint that signatures and acknowledgements are bound to."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


# --- Content helpers ----------------------------------------------------------------------------
# Everything below is pure (no database, no settings) so that the wizard, the compare engine, the
# renderers and the tests all agree on what a section's content means.

_SCALAR_KINDS = frozenset(
    {
        FieldKind.MARKDOWN,
        FieldKind.TEXT,
        FieldKind.URL,
        FieldKind.EMAIL,
        FieldKind.PHONE,
        FieldKind.CHOICE,
    }
)
# Control characters and lone surrogates cannot be stored in PostgreSQL JSON or encoded as UTF-8,
# so they are dropped; tabs and newlines are whitespace and are handled separately.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_URL_VALIDATOR = URLValidator(schemes=["http", "https"])
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# Digits with the usual separators, optionally followed (or replaced) by an extension.
_PHONE = re.compile(r"^(\+?[0-9 ().\-/]+)?\s*((ext\.?|x)\s*[0-9]+)?$", re.IGNORECASE)


def _clean_scalar(kind: FieldKind, value: Any) -> str:
    """Reduce any incoming value to the canonical string a scalar field stores."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return ""
    value = _UNSTORABLE.sub("", value)
    if kind is FieldKind.MARKDOWN:
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    # Single-line kinds: a pasted newline or double space never changes the meaning.
    return " ".join(value.split())


def _clean_list(value: Any) -> list[str]:
    """Keep the non-empty items of a list; a string (from a textarea) is read one item a line."""
    if isinstance(value, str):
        items: list[Any] | tuple[Any, ...] = value.splitlines()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return []
    cleaned = (_clean_scalar(FieldKind.TEXT, item) for item in items)
    return [item for item in cleaned if item]


def _clean_table(fld: Field, value: Any) -> list[dict[str, str]]:
    """Keep rows that say something, reduced to the known columns in column order."""
    if not isinstance(value, list | tuple):
        return []
    rows = []
    for raw in value:
        if not isinstance(raw, Mapping):
            continue
        row = {col.name: _clean_scalar(col.kind, raw.get(col.name)) for col in fld.columns}
        if any(row.values()):
            rows.append(row)
    return rows


def _clean_value(fld: Field, value: Any) -> Any:
    if fld.kind is FieldKind.LIST:
        return _clean_list(value)
    if fld.kind is FieldKind.TABLE:
        return _clean_table(fld, value)
    return _clean_scalar(fld.kind, value)


def empty_section(section: Section) -> SectionData:
    """A section with every field present and empty, so templates never meet a missing key."""
    return {f.name: f.empty() for f in section.fields}


def normalise(section: Section, data: Mapping[str, Any] | None) -> SectionData:
    """The canonical form of a section's content: the form that is stored, compared and hashed.

    Only known fields are kept and every field is present; strings are stripped (single-line
    kinds also collapse inner whitespace); empty list items and fully empty table rows are
    dropped; table rows keep only known columns, in column order. Idempotent.
    """
    source: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
    return {f.name: _clean_value(f, source.get(f.name)) for f in section.fields}


def is_empty(section: Section, data: Mapping[str, Any] | None) -> bool:
    """True when nothing the author could have typed survives normalisation."""
    return normalise(section, data) == empty_section(section)


def row_identity(fld: Field, row: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The key that identifies a table row, or None when an identity column is blank.

    Comparison ignores case, a leading "@" (handles) and a trailing "/" (web addresses), so
    "@Riverside" and "riverside" are the same account.
    """
    key = []
    for name in fld.identity:
        col = next(c for c in fld.columns if c.name == name)
        value = _clean_scalar(col.kind, row.get(name)).casefold()
        if col.kind is FieldKind.TEXT:
            value = value.lstrip("@")
        elif col.kind is FieldKind.URL:
            value = value.rstrip("/")
        if not value:
            return None
        key.append(value)
    return tuple(key)


def _choice_label(fld: Field, value: str) -> str:
    return dict(fld.choices).get(value, value)


def url_error(label: str, value: str) -> str | None:
    """Why this is not an http(s) web address, or None; shared by validation and checks."""
    scheme = _SCHEME.match(value)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        return f"{label}: only web addresses starting with http:// or https:// are allowed."
    if not scheme and "." in value and " " not in value:
        return f'{label}: add "https://" at the start of the address.'
    try:
        _URL_VALIDATOR(value)
    except ValidationError:
        return f"{label}: enter a full web address, such as https://www.example.org/page."
    return None


def _scalar_errors(fld: Field, value: str, label: str) -> list[str]:
    """What is wrong with one filled-in scalar value, in words the author can act on."""
    if not value:
        return []
    if len(value) > fld.max_length:
        return [f"{label} is too long: {len(value)} characters, the limit is {fld.max_length}."]
    if fld.kind is FieldKind.URL:
        error = url_error(label, value)
        return [error] if error else []
    if fld.kind is FieldKind.EMAIL:
        try:
            validate_email(value)
        except ValidationError:
            return [f"{label}: enter a valid e-mail address, such as name@example.org."]
    if fld.kind is FieldKind.PHONE:
        digits = sum(ch.isdigit() for ch in value)
        if not _PHONE.match(value) or not 3 <= digits <= 20:
            return [
                f"{label}: enter a phone number using digits, spaces, +, -, brackets "
                'and an optional extension ("ext. 123").'
            ]
    if fld.kind is FieldKind.CHOICE and value not in dict(fld.choices):
        options = ", ".join(choice_label for _, choice_label in fld.choices)
        return [f"{label}: choose one of {options}."]
    return []


def _shape_error(fld: Field, raw: Any) -> str | None:
    """Flag input of the wrong type, which normalisation would otherwise silently drop."""
    if raw is None:
        return None
    if fld.kind is FieldKind.TABLE:
        ok = isinstance(raw, list | tuple) and all(isinstance(r, Mapping) for r in raw)
        return None if ok else f"{fld.label}: expected a table of rows."
    if fld.kind is FieldKind.LIST:
        ok = isinstance(raw, str) or (
            isinstance(raw, list | tuple) and all(isinstance(i, str) for i in raw)
        )
        return None if ok else f"{fld.label}: expected a list of short texts."
    ok = isinstance(raw, str | int | float) and not isinstance(raw, bool)
    return None if ok else f"{fld.label}: expected text."


def validate(section: Section, data: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Field-level errors for input that is malformed, whatever stage the draft is at.

    Keys are field names, "field.i" for list items and "field.i.column" for table cells,
    where i is the 0-based position in the normalised data. Emptiness is not an error here:
    drafts may be incomplete, and completeness is the job of the checks.
    """
    errors: dict[str, list[str]] = {}
    source: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
    clean = normalise(section, source)

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    for fld in section.fields:
        shape = _shape_error(fld, source.get(fld.name))
        if shape:
            add(fld.name, shape)
        value = clean[fld.name]
        if fld.kind in _SCALAR_KINDS:
            for message in _scalar_errors(fld, value, fld.label):
                add(fld.name, message)
            continue
        if len(value) > fld.max_items:
            add(
                fld.name,
                f"{fld.label} can have at most {fld.max_items} entries (there are {len(value)}).",
            )
        if fld.kind is FieldKind.LIST:
            for i, item in enumerate(value):
                if len(item) > fld.max_length:
                    add(
                        f"{fld.name}.{i}",
                        f'{fld.label}: item {i + 1} ("{item[:40]}…") is too long: '
                        f"{len(item)} characters, the limit is {fld.max_length}.",
                    )
            continue
        seen: set[tuple[str, ...]] = set()
        for i, row in enumerate(value):
            for col in fld.columns:
                for message in _scalar_errors(col, row[col.name], f"{col.label} in row {i + 1}"):
                    add(f"{fld.name}.{i}.{col.name}", message)
            identity = row_identity(fld, row)
            if identity is None:
                continue
            if identity in seen:
                add(f"{fld.name}.{i}.{fld.identity[-1]}", _duplicate_message(fld, row))
            seen.add(identity)
    return errors


def _duplicate_message(fld: Field, row: Mapping[str, str]) -> str:
    """E.g. "Handle @x is listed twice for Instagram": the last identity column names the row."""
    *context, name = fld.identity
    col = next(c for c in fld.columns if c.name == name)
    value = row[name]
    if col.kind is FieldKind.TEXT and name == "handle":
        value = "@" + value.lstrip("@")
    message = f"{col.label} {value} is listed twice"
    if context:
        shown = []
        for ctx in context:
            ctx_col = next(c for c in fld.columns if c.name == ctx)
            shown.append(_choice_label(ctx_col, row[ctx]))
        message += " for " + ", ".join(shown)
    return message + "."


class ContentCache:
    """What a pure function made of recently seen section contents, by a digest of the content.

    The checks read meaning with many patterns (milliseconds a section), and every wizard
    step, autosave and review page runs them over all twelve sections whose text has not
    changed since the last request. Results depend only on the section, its content and the
    jurisdiction, so they are kept per worker, bounded by count (an entry is a digest and
    what was made: a dozen small results, a state, a section's HTML).
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[int, str | None, bytes], tuple[Section, Any]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    @staticmethod
    def key(
        section: Section, data: Mapping[str, Any] | None, jurisdiction: str | None
    ) -> tuple[int, str | None, bytes] | None:
        try:
            text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError):
            return None  # not plain JSON (never stored so): computed each time
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=20).digest()
        return (id(section), jurisdiction, digest)

    def get(self, key: tuple[int, str | None, bytes], section: Section) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            # The section itself is kept with its results, so an id is never reused for another.
            if entry is None or entry[0] is not section:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple[int, str | None, bytes], section: Section, value: Any) -> None:
        with self._lock:
            self._entries[key] = (section, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# A few hundred guidelines' worth of sections per worker, a few megabytes at most.
CHECK_CACHE = ContentCache(max_entries=4096)
STATE_CACHE = ContentCache(max_entries=4096)


def run_checks(
    section: Section, data: Mapping[str, Any] | None, jurisdiction: str | None = None
) -> list[CheckResult]:
    """Every completeness check of the section, plus one saying whether all input is valid.

    ``jurisdiction`` switches on the checks only its pack uses (``guidelines/packs.py``); the
    others run everywhere. Check tests receive normalised data. The final "<key>.valid_input"
    result keeps malformed input (a bad URL, a duplicate handle) from ever counting as complete.
    Results are kept by the content's digest (``CHECK_CACHE``); each call gets its own list.
    """
    key = ContentCache.key(section, data, jurisdiction)
    if key is not None:
        cached = CHECK_CACHE.get(key, section)
        if cached is not None:
            return list(cached)
    results = _run_checks(section, data, jurisdiction)
    if key is not None:
        CHECK_CACHE.put(key, section, tuple(results))
    return results


def _run_checks(
    section: Section, data: Mapping[str, Any] | None, jurisdiction: str | None
) -> list[CheckResult]:
    clean = normalise(section, data)
    results = [_result(c, clean) for c in section.checks if applies(c.code, jurisdiction)]
    errors = validate(section, data)
    first = next(iter(errors), None)
    results.append(
        CheckResult(
            code=f"{section.key}.valid_input",
            message="Correct the entries marked as invalid",
            passed=not errors,
            field=first.split(".", 1)[0] if first else None,
        )
    )
    return results


def _result(check: Check, clean: SectionData) -> CheckResult:
    if check.finder is not None:
        detail = check.finder(clean)
        passed = not detail
    else:
        detail, passed = "", bool(check.test(clean))
    return CheckResult(
        code=check.code,
        message=check.message,
        passed=passed,
        field=check.field,
        detail=detail,
        advisory=check.advisory,
    )


def section_state(
    section: Section, data: Mapping[str, Any] | None, jurisdiction: str | None = None
) -> SectionState:
    """Where the author stands on a section, for the wizard's progress bar.

    Not started: nothing entered. In progress: something entered but a required field is still
    empty (still being written, so no alarm). Failing: required fields filled but a check fails
    or some input is invalid. Complete: every check passes. Kept by the content's digest, as
    the checks are (``STATE_CACHE``).
    """
    key = ContentCache.key(section, data, jurisdiction)
    if key is not None:
        cached = STATE_CACHE.get(key, section)
        if cached is not None:
            return cached
    state = _section_state(section, data, jurisdiction)
    if key is not None:
        STATE_CACHE.put(key, section, state)
    return state


def _section_state(
    section: Section, data: Mapping[str, Any] | None, jurisdiction: str | None
) -> SectionState:
    clean = normalise(section, data)
    if clean == empty_section(section):
        return SectionState.NOT_STARTED
    if not any(r.blocking for r in run_checks(section, data, jurisdiction)):
        return SectionState.COMPLETE
    if any(f.required and not clean[f.name] for f in section.fields):
        return SectionState.IN_PROGRESS
    return SectionState.FAILING
