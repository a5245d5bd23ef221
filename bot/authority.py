"""Who may spend how much on their own authority: the organisation file and the policy.

The organisation file (YAML) names the currency, the time zone, each role's per-incident
limit and daily allowance, and which platform user has which role. ``AuthorityPolicy``
answers, for one role and one spend, whether it is within authority and if not, why — in
words staff can read ("over your £100 per-incident limit").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.errors import CoachError, InvalidAmount
from bot.models import Authority, Money, Role
from bot.money import CURRENCIES, format_money, to_minor
from bot.orgs import USER_PLATFORMS
from bot.playbooks import Playbook

DEFAULT_ORG_FILE = Path(__file__).resolve().parent / "default_org.yaml"
LOWEST_ROLE: Role = next(iter(Role))  # Role is ordered lowest first
DECIDING_ROLE = Role.MANAGER  # managers and above approve or deny spends


class OrgConfigError(CoachError):
    """An organisation file that fails validation; the message names the file and the field."""


def _major(value: Any) -> Decimal:
    """A limit in major units: 100, '12.50' (quoted), 100.0 — never a float with a fraction."""
    if isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, float):
        # YAML reads 12.50 as a float; floats are never money here.
        if value.is_integer():
            return Decimal(int(value))
        raise ValueError(
            f"write amounts as whole numbers or quoted decimals, e.g. 100 or '12.50' (got {value})"
        )
    if not isinstance(value, int | str | Decimal):
        raise ValueError(f"not an amount: {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    if amount < 0:
        raise ValueError(f"must not be negative: {value!r}")
    return amount


class RoleLimits(BaseModel):
    """One role's authority, in major units of the organisation's currency."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_incident: Decimal
    daily: Decimal

    @field_validator("per_incident", "daily", mode="before")
    @classmethod
    def _amount(cls, v: Any) -> Decimal:
        return _major(v)

    @model_validator(mode="after")
    def _sensible(self) -> RoleLimits:
        if self.per_incident > self.daily:
            raise ValueError(
                f"per_incident ({self.per_incident}) is more than daily ({self.daily});"
                " one spend cannot exceed the whole day's allowance"
            )
        return self


def _parse_users(v: Any) -> Any:
    """``{user id: role}``; role names are checked here so the error names the user."""
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        return v
    out: dict[str, Role] = {}
    for user, role in v.items():
        user_id = str(user).strip()
        if not user_id or isinstance(user, bool):
            raise ValueError(f"user id {user!r} is not a platform user id")
        try:
            out[user_id] = Role.parse(str(role))
        except ValueError:
            names = ", ".join(r.value for r in Role)
            raise ValueError(
                f"user {user_id!r} has unknown role {role!r}; use one of {names}"
            ) from None
    return out


def _parse_locations(v: Any) -> Any:
    # Numeric user ids (YAML reads 12345 as an int) are ids, as they are under `users`.
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        return v
    return {str(user).strip(): place for user, place in v.items()}


class PlatformPeople(BaseModel):
    """One platform's people (``slack:`` or ``teams:`` in the file): roles and locations
    by that platform's user ids, which mean nothing on the other platform."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    users: dict[str, Role] = Field(default_factory=dict)
    locations: dict[str, str] = Field(default_factory=dict)

    @field_validator("users", mode="before")
    @classmethod
    def _users(cls, v: Any) -> Any:
        return _parse_users(v)

    @field_validator("locations", mode="before")
    @classmethod
    def _locations(cls, v: Any) -> Any:
        return _parse_locations(v)


class OrgConfig(BaseModel):
    """An organisation's authority policy, as its file states it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    currency: str
    timezone: str = "UTC"
    roles: dict[Role, RoleLimits]
    max_single_spend: Decimal
    customer_daily_cap: Decimal | None = None
    users: dict[str, Role] = Field(default_factory=dict)
    incident_ttl_minutes: int = Field(default=120, ge=1, le=7 * 24 * 60)
    escalation_channel: str | None = None
    # Platform user id -> where they work (a site, a floor, an outlet): 'by location' reports.
    locations: dict[str, str] = Field(default_factory=dict)
    # Set in chat or with the CLI (and `coachbot org import`): a user's own limits, which
    # replace their role's (above or below it, every playbook); per-playbook per-incident
    # limits by role, which replace the playbook file's `authority:`; playbooks this
    # organisation has switched off.
    user_limits: dict[str, RoleLimits] = Field(default_factory=dict)
    playbook_authority: dict[str, dict[Role, Decimal]] = Field(default_factory=dict)
    disabled_playbooks: frozenset[str] = frozenset()
    # The organisation's own playbooks (validated by the shipped playbooks' models) and
    # its own say lines for the library's steps: playbook id -> step number (from 1) ->
    # line. What they may be (no clash with a library id, no safety playbook's words) is
    # checked against the library by the core: ``bot.org_playbooks``.
    own_playbooks: tuple[Playbook, ...] = ()
    say_overrides: dict[str, dict[int, str]] = Field(default_factory=dict)

    @field_validator("own_playbooks")
    @classmethod
    def _own_ids_unique(cls, v: tuple[Playbook, ...]) -> tuple[Playbook, ...]:
        seen: set[str] = set()
        for playbook in v:
            if playbook.id in seen:
                raise ValueError(f"playbook id {playbook.id!r} is given twice")
            seen.add(playbook.id)
        return v

    @field_validator("say_overrides")
    @classmethod
    def _say_lines(cls, v: dict[str, dict[int, str]]) -> dict[str, dict[int, str]]:
        for pid, lines in v.items():
            for step, line in lines.items():
                if step < 1:
                    raise ValueError(f"{pid}: steps are numbered from 1, not {step}")
                if not line.strip():
                    raise ValueError(f"{pid} step {step}: the say line is empty")
        return v

    @field_validator("playbook_authority", mode="before")
    @classmethod
    def _playbook_authority(cls, v: Any) -> Any:
        if not isinstance(v, Mapping):
            return v
        return {
            str(pid): {Role.parse(str(r)): _major(a) for r, a in (limits or {}).items()}
            for pid, limits in v.items()
        }

    # Per platform: a deployment serving Slack and Teams maps each platform's user ids
    # apart, so that a Slack manager's id is nobody in Teams. With either section, the
    # bare ``users`` / ``locations`` above must stay empty (see ``_one_way_to_map_people``).
    slack: PlatformPeople | None = None
    teams: PlatformPeople | None = None

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, v: Any) -> str:
        if not isinstance(v, str):
            raise ValueError(f"expected a currency code such as GBP, got {v!r}")
        code = v.strip().upper()
        if code not in CURRENCIES:
            raise ValueError(f"unknown currency {v!r}; use an ISO 4217 code such as GBP or EUR")
        return code

    @field_validator("timezone", mode="before")
    @classmethod
    def _timezone(cls, v: Any) -> str:
        if not isinstance(v, str) or not v.strip():
            raise ValueError(f"expected an IANA time zone such as Europe/London, got {v!r}")
        name = v.strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {name!r}; use an IANA name such as Europe/London"
            ) from None
        return name

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, v: Any) -> Any:
        if not isinstance(v, Mapping):
            return v
        out: dict[Role, Any] = {}
        for key, limits in v.items():
            out[Role.parse(str(key))] = limits
        missing = [r.value for r in Role if r not in out]
        if missing:
            raise ValueError(f"limits missing for role(s): {', '.join(missing)}")
        return out

    @field_validator("max_single_spend", "customer_daily_cap", mode="before")
    @classmethod
    def _amount(cls, v: Any) -> Decimal | None:
        return None if v is None else _major(v)

    @field_validator("users", mode="before")
    @classmethod
    def _users(cls, v: Any) -> Any:
        return _parse_users(v)

    @field_validator("locations", mode="before")
    @classmethod
    def _locations(cls, v: Any) -> Any:
        return _parse_locations(v)

    @field_validator("escalation_channel", mode="before")
    @classmethod
    def _channel(cls, v: Any) -> Any:
        return v.strip() or None if isinstance(v, str) else v

    @model_validator(mode="after")
    def _fits_currency(self) -> OrgConfig:
        """Every amount must be exact in the currency (no '100.5' for JPY)."""
        amounts: list[tuple[str, Decimal]] = [("max_single_spend", self.max_single_spend)]
        if self.customer_daily_cap is not None:
            amounts.append(("customer_daily_cap", self.customer_daily_cap))
        for role, limits in self.roles.items():
            amounts.append((f"roles.{role.value}.per_incident", limits.per_incident))
            amounts.append((f"roles.{role.value}.daily", limits.daily))
        for user, limits in self.user_limits.items():
            amounts.append((f"user_limits.{user}.per_incident", limits.per_incident))
            amounts.append((f"user_limits.{user}.daily", limits.daily))
        for pid, by_role in self.playbook_authority.items():
            for role, amount in by_role.items():
                amounts.append((f"playbook_authority.{pid}.{role.value}", amount))
        for field, amount in amounts:
            try:
                to_minor(amount, self.currency)
            except InvalidAmount as exc:
                raise ValueError(f"{field}: {exc}") from None
        if self.max_single_spend <= 0:
            raise ValueError("max_single_spend: must be more than zero")
        return self

    @model_validator(mode="after")
    def _one_way_to_map_people(self) -> OrgConfig:
        """Bare ids (one platform) or per-platform sections, never both: a bare id beside
        the sections would carry its role onto every platform, which the sections exist
        to prevent."""
        sections = [p for p in USER_PLATFORMS if getattr(self, p) is not None]
        if sections:
            for field in ("users", "locations"):
                if getattr(self, field):
                    raise ValueError(
                        f"{field}: with a {' and '.join(s + ':' for s in sections)} section, "
                        f"list everyone under their platform ({sections[0]}.{field}) so that "
                        "one platform's user id never counts on the other"
                    )
        return self

    def people(self, platform: str) -> PlatformPeople:
        """The roles and locations that apply to ``platform``'s user ids.

        Without per-platform sections the bare ``users``/``locations`` apply (a deployment
        with one platform, as before); with them, only that platform's section — none
        for a platform the file does not name (the console, or Teams when only
        ``slack:`` is given).
        """
        if all(getattr(self, p) is None for p in USER_PLATFORMS):
            return PlatformPeople(users=self.users, locations=self.locations)
        section = getattr(self, platform, None) if platform in USER_PLATFORMS else None
        return section if isinstance(section, PlatformPeople) else PlatformPeople()


def _field_path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(err: Mapping[str, Any]) -> str:
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def _problem(err: Mapping[str, Any]) -> str:
    """'field: what is wrong'. Whole-file checks already name their field in the message."""
    field = _field_path(err["loc"])
    return f"{field}: {_message(err)}" if field else _message(err)


def parse_org_config(raw: Any, source: str = "organisation file") -> OrgConfig:
    """Validate already-loaded data; errors start with ``source`` and name the field."""
    if not isinstance(raw, Mapping):
        raise OrgConfigError(f"{source}: expected a mapping of fields at the top level")
    try:
        return OrgConfig.model_validate(dict(raw))
    except ValidationError as exc:
        problems = "; ".join(_problem(err) for err in exc.errors())
        raise OrgConfigError(f"{source}: {problems}") from None


def load_org_config(path: Path | None = None) -> OrgConfig:
    """Load an organisation file (YAML); ``None`` loads the shipped default (a hotel, GBP).

    Raises ``OrgConfigError`` naming the file and every bad field.
    """
    file = DEFAULT_ORG_FILE if path is None else Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OrgConfigError(f"{file}: no such organisation file") from None
    except OSError as exc:
        raise OrgConfigError(f"{file}: cannot read it ({exc.strerror or exc})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise OrgConfigError(f"{file}:{where} is not valid YAML") from None
    return parse_org_config(raw, str(file))


@dataclass(frozen=True, slots=True)
class AuthorityDecision:
    """Whether one spend is within the spender's authority, and if not, every reason why."""

    within: bool
    reasons: tuple[str, ...]
    per_incident: Money
    remaining_today: Money


class AuthorityPolicy:
    """Answers 'may this person spend this much?' from an ``OrgConfig``."""

    def __init__(self, config: OrgConfig) -> None:
        self.config = config
        self.currency = config.currency

    def _money(self, major: Decimal) -> Money:
        return Money(to_minor(major, self.currency), self.currency)

    def _fmt(self, minor: int) -> str:
        return format_money(Money(minor, self.currency), compact=True)

    @property
    def max_single_spend(self) -> Money:
        """The most any one spend may be, whoever approves it (also the parse limit)."""
        return self._money(self.config.max_single_spend)

    @property
    def customer_daily_cap(self) -> Money | None:
        cap = self.config.customer_daily_cap
        return None if cap is None else self._money(cap)

    def role_for(self, user_id: str, claimed: Role | None = None, *, platform: str) -> Role:
        """The user's role: the organisation file's mapping for ``platform`` (the platform
        whose organisation they act in, ``bot.orgs.platform_of``) wins; else ``claimed``;
        else the lowest."""
        listed = self.config.people(platform).users.get(user_id)
        if listed is not None:
            return listed
        return claimed if claimed is not None else LOWEST_ROLE

    def per_incident(
        self, role: Role, playbook: Playbook | None = None, user_id: str | None = None
    ) -> Money:
        """Per-incident limit; a playbook's override for the role replaces the default.

        The organisation's override for the playbook replaces the playbook file's; a
        user's own limits replace both. Never more than the maximum single spend.
        """
        limit = self.config.roles[role].per_incident
        own = self.config.user_limits.get(user_id) if user_id is not None else None
        org_override = (
            self.config.playbook_authority.get(playbook.id, {}) if playbook is not None else {}
        )
        if own is not None:
            limit = own.per_incident
        elif role in org_override:
            limit = org_override[role]
        elif playbook is not None and role in playbook.authority:
            limit = playbook.authority[role]
        limit = min(limit, self.config.max_single_spend)
        try:
            return self._money(limit)
        except InvalidAmount:
            # An override finer than the currency allows (e.g. '12.50' for JPY): round down.
            exponent = CURRENCIES[self.currency].exponent
            minor = int(limit.scaleb(exponent).to_integral_value(rounding=ROUND_FLOOR))
            return Money(minor, self.currency)

    def daily_allowance(self, role: Role, user_id: str | None = None) -> Money:
        own = self.config.user_limits.get(user_id) if user_id is not None else None
        return self._money(own.daily if own is not None else self.config.roles[role].daily)

    def remaining_today(
        self, role: Role, spent_today_minor: int, user_id: str | None = None
    ) -> Money:
        if spent_today_minor < 0:
            raise ValueError("spent_today_minor must not be negative")
        allowance = self.daily_allowance(role, user_id)
        return Money(max(0, allowance.minor - spent_today_minor), self.currency)

    def authority(
        self,
        role: Role,
        playbook: Playbook | None,
        spent_today_minor: int,
        user_id: str | None = None,
    ) -> Authority:
        """What to show staff: their limits for this playbook and what is left today."""
        return Authority(
            role=role,
            per_incident=self.per_incident(role, playbook, user_id),
            daily_allowance=self.daily_allowance(role, user_id),
            remaining_today=self.remaining_today(role, spent_today_minor, user_id),
        )

    def check(
        self,
        role: Role,
        amount: Money,
        playbook: Playbook | None,
        spent_today_minor: int,
        customer_today_minor: int | None = None,
        *,
        customer_ref: str | None = None,
        incident_spent_minor: int = 0,
        user_id: str | None = None,
    ) -> AuthorityDecision:
        """Is ``amount`` within ``role``'s authority? Equal to a limit is within.

        ``spent_today_minor``: what this person already approved on their own authority
        today. ``customer_today_minor``: what this customer was already given (approved)
        today, or None when the spend is not tied to a customer. ``incident_spent_minor``:
        what was already approved on this incident: the per-incident limit is a total.
        Raises InvalidAmount for a non-positive amount or one in another currency.
        """
        if amount.currency != self.currency:
            raise InvalidAmount(
                f"this organisation spends in {self.currency}; you typed {amount.currency}"
            )
        if amount.minor <= 0:
            raise InvalidAmount("the amount must be more than zero")
        if customer_today_minor is not None and customer_today_minor < 0:
            raise ValueError("customer_today_minor must not be negative")
        if incident_spent_minor < 0:
            raise ValueError("incident_spent_minor must not be negative")

        per_incident = self.per_incident(role, playbook, user_id)
        remaining = self.remaining_today(role, spent_today_minor, user_id)
        reasons: list[str] = []
        if amount.minor > per_incident.minor:
            reasons.append(f"over your {self._fmt(per_incident.minor)} per-incident limit")
        elif incident_spent_minor + amount.minor > per_incident.minor:
            reasons.append(
                f"over your {self._fmt(per_incident.minor)} per-incident limit"
                f" ({self._fmt(incident_spent_minor)} already spent on this incident)"
            )
        if amount.minor > remaining.minor:
            daily = self.daily_allowance(role, user_id)
            reasons.append(
                f"over what is left of today's {self._fmt(daily.minor)} allowance"
                f" ({self._fmt(remaining.minor)} left)"
            )
        cap = self.customer_daily_cap
        given = customer_today_minor
        if cap is not None and given is not None and given + amount.minor > cap.minor:
            who = customer_ref.strip() if customer_ref and customer_ref.strip() else None
            reasons.append(
                f"over the {self._fmt(cap.minor)} daily cap for {who or 'this customer'}"
                f" ({self._fmt(given)} already given)"
            )
        maximum = self.max_single_spend
        if amount.minor > maximum.minor:
            reasons.append(f"over the {self._fmt(maximum.minor)} maximum for a single spend")
        return AuthorityDecision(
            within=not reasons,
            reasons=tuple(reasons),
            per_incident=per_incident,
            remaining_today=remaining,
        )

    def can_decide(self, role: Role) -> bool:
        """Managers and admins may approve or deny others' spends."""
        return role.at_least(DECIDING_ROLE)
