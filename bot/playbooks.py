"""Loading and validating the playbook library (YAML, one playbook a file).

A playbook is data an owner maintains: each names an owner and a review date so that
``coachbot playbooks check`` can warn when advice may have gone stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.errors import PlaybookError
from bot.models import Role

# libyaml's loader is ~10x faster; start-up time matters for every CLI call.
_YamlLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Categories a playbook (or the text itself) can raise to a manager.
ESCALATION_REASONS = (
    "safety",
    "legal",
    "abuse",
    "review",
    "media",
    "leaving",
    "vip",
    "privacy",
    "security",
    "wellbeing",
)

# The universal recovery steps: chosen by the confidence threshold, never by its triggers,
# so it is the one playbook that may have none.
FALLBACK_PLAYBOOK_ID = "general-recovery"

NonEmpty = Annotated[str, Field(min_length=1)]


def _major_amount(value: Any) -> Decimal:
    """A cost or limit in major units of the organisation's currency ("40", 40, "12.50")."""
    if isinstance(value, bool | float):
        # YAML turns 12.50 into a float; floats are never money here. Quote it: "12.50".
        if isinstance(value, float) and value == int(value):
            return Decimal(int(value))
        raise ValueError("write amounts as whole numbers or quoted decimals, e.g. 40 or '12.50'")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"amount must be >= 0 with at most 2 decimals: {value!r}")
    return amount


class Triggers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keywords: list[NonEmpty] = Field(default_factory=list)
    examples: list[NonEmpty] = Field(default_factory=list)


class PlaybookStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    do: NonEmpty
    say: str | None = None


class GestureSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: NonEmpty
    typical_cost: Decimal | None = None  # major units of the organisation's currency

    @field_validator("typical_cost", mode="before")
    @classmethod
    def _cost(cls, v: Any) -> Decimal | None:
        return None if v is None else _major_amount(v)


class EscalationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    always: bool = False
    reasons: list[str] = Field(default_factory=list)

    @field_validator("reasons")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [r for r in v if r not in ESCALATION_REASONS]
        if unknown:
            raise ValueError(f"unknown reason(s) {unknown}; use {list(ESCALATION_REASONS)}")
        return v


class Playbook(BaseModel):
    """One situation and what to do about it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: NonEmpty
    title: NonEmpty
    summary: str = ""
    owner: NonEmpty
    review_by: date
    triggers: Triggers = Field(default_factory=Triggers)
    steps: list[PlaybookStep] = Field(min_length=1)
    gestures: list[GestureSpec] = Field(default_factory=list)
    # Per-incident limit for a role while this playbook applies, in major units.
    authority: dict[Role, Decimal] = Field(default_factory=dict)
    escalation: EscalationSpec = Field(default_factory=EscalationSpec)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_PATTERN.match(v):
            raise ValueError("id must be lowercase words joined by '-', e.g. 'billing-dispute'")
        return v

    @model_validator(mode="after")
    def _needs_triggers(self) -> Playbook:
        if self.id != FALLBACK_PLAYBOOK_ID and not (
            self.triggers.keywords and self.triggers.examples
        ):
            raise ValueError(
                "triggers: give at least one keyword and one example "
                f"(only {FALLBACK_PLAYBOOK_ID!r} may have none)"
            )
        return self

    @field_validator("authority", mode="before")
    @classmethod
    def _authority(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        out: dict[Role, Decimal] = {}
        for role, amount in v.items():
            out[Role.parse(str(role))] = _major_amount(amount)
        return out


@dataclass(frozen=True)
class PlaybookLibrary:
    playbooks: tuple[Playbook, ...]
    source: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {p.id: p for p in self.playbooks})

    def get(self, playbook_id: str) -> Playbook:
        try:
            return self._by_id[playbook_id]  # type: ignore[attr-defined]
        except KeyError:
            raise PlaybookError(f"no playbook with id {playbook_id!r}") from None

    def __contains__(self, playbook_id: object) -> bool:
        return playbook_id in self._by_id  # type: ignore[attr-defined]

    def __iter__(self) -> Any:
        return iter(self.playbooks)

    def __len__(self) -> int:
        return len(self.playbooks)

    def fingerprint(self) -> tuple[object, ...] | None:
        """What the library was loaded from (each file's name, size and modification
        time), or None for one built in memory: equal fingerprints, equal libraries."""
        if self.source is None:
            return None
        files = sorted([*self.source.glob("*.yaml"), *self.source.glob("*.yml")])
        stats = [(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files]
        return (str(self.source), tuple(stats), tuple(p.id for p in self.playbooks))

    def overdue(self, today: date) -> list[Playbook]:
        return [p for p in self.playbooks if p.review_by < today]


def shipped_playbooks_dir() -> Path:
    """The default library: inside the wheel, or ./playbooks in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_shipped_playbooks", here.parent / "playbooks"):
        if candidate.is_dir():
            return candidate
    raise PlaybookError("the shipped playbook library is missing from this installation")


def _field_path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_playbook_file(path: Path) -> Playbook:
    """Load one file; errors name the file and the field."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise PlaybookError(f"{path.name}:{where} is not valid YAML") from None
    return parse_playbook(raw, path.name)


def parse_playbook(raw: Any, source: str) -> Playbook:
    """Validate one playbook already read (a YAML file, a form); errors start with
    ``source`` and name the field, e.g. ``mine.yaml: steps[0].do: Field required``."""
    if not isinstance(raw, dict):
        raise PlaybookError(f"{source}: expected a mapping of fields at the top level")
    try:
        playbook = Playbook.model_validate(raw)
    except ValidationError as exc:
        problems = tuple(
            (_field_path(err["loc"]) or "(top)", str(err["msg"])) for err in exc.errors()
        )
        said = "; ".join(f"{path}: {msg}" for path, msg in problems)
        raise PlaybookError(f"{source}: {said}", problems) from None
    return playbook


def load_library(directory: Path | None = None) -> PlaybookLibrary:
    """Load every ``*.yaml``/``*.yml`` in ``directory`` (default: the shipped library).

    Raises ``PlaybookError`` listing every bad file, one per line.
    """
    folder = directory or shipped_playbooks_dir()
    if not folder.is_dir():
        raise PlaybookError(f"{folder}: no such playbook folder")
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not files:
        raise PlaybookError(f"{folder}: no playbook files (*.yaml) found")
    playbooks: list[Playbook] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    for path in files:
        try:
            playbook = load_playbook_file(path)
        except PlaybookError as exc:
            errors.append(str(exc))
            continue
        if playbook.id in seen:
            errors.append(
                f"{path.name}: id: {playbook.id!r} is already used by {seen[playbook.id]}"
            )
            continue
        seen[playbook.id] = path.name
        playbooks.append(playbook)
    if errors:
        raise PlaybookError("\n".join(errors))
    return PlaybookLibrary(tuple(playbooks), folder)
