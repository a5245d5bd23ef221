"""Each organisation's policy in the database: limits, roles, caps, playbooks.

The organisation file (``bot.authority``) is where an organisation *starts*: with one
organisation (a single Slack token, the CLI) its users, locations and escalation channel
apply as they always did; with many (Slack installed in several workspaces, a multi-tenant
Teams app) a new organisation starts from the file's currency, time zone and limits only.
The first change of an organisation's policy (``limits set``, ``role set``, ``playbooks
disable``, ``org import``) stores the whole of it in ``org_policies``; from then on the
database holds that organisation's policy and the file no longer applies to it.

The policy also holds the organisation's own playbooks and its say lines for the
library's steps (``own_playbooks``, ``say_overrides``; the rules: ``bot.org_playbooks``).

Every change is appended to the organisation's hash chain in the ledger (who, what,
before, after, when) in the same transaction, under the same lock as its spends, so
``audit verify`` covers limits the way it covers money.

Every process sees a change at once: ``OrgPolicies`` keeps each organisation's policy
for ``CACHE_SECONDS`` and then checks the stored version (one primary-key read) before
using it again; the process that made a change uses it immediately.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import BigInteger, Column, MetaData, Table, Text, insert, select, update
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.authority import AuthorityPolicy, OrgConfig, OrgConfigError, parse_org_config
from bot.clock import Clock, utcnow
from bot.database import Database, DatabaseStore
from bot.errors import InvalidAmount, InvalidInput, InvalidSetting
from bot.ledger import PolicyChange, SpendLedger
from bot.ledger.sql import SqlSpendLedger, UtcDateTime, record_schema_version
from bot.models import Role
from bot.money import parse_limit
from bot.orgs import USER_PLATFORMS

SCHEMA_COMPONENT = "policy"
SCHEMA_VERSION = 1
# How long a process trusts its copy of an organisation's policy before checking the
# stored version again: the longest another process's change takes to reach this one.
CACHE_SECONDS = 1.0

metadata = MetaData()

# One row per organisation whose policy has been changed: the whole policy as JSON (the
# organisation file's fields), and a version bumped by every change.
org_policies = Table(
    "org_policies",
    metadata,
    Column("org", Text, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("document", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# What a new organisation takes from the file in a deployment with many of them.
SHARED_FIELDS = frozenset(
    {
        "name",
        "currency",
        "timezone",
        "roles",
        "max_single_spend",
        "customer_daily_cap",
        "incident_ttl_minutes",
        "playbook_authority",
        "disabled_playbooks",
    }
)


# How the audit trail names a change of an organisation's own playbook (before and after
# the whole playbook, None when absent) and of a say line it set for a library step.
OWN_PLAYBOOK = "own playbook"
SAY_LINE = "say line"


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    config: OrgConfig
    version: int


# Given the organisation's policy as it stands (under its lock), the policy it becomes.
# Raises a ``CoachError`` (not permitted, invalid) to change nothing.
PolicyEdit = Callable[[OrgConfig], OrgConfig]


class PolicyStore(Protocol):
    """Where organisations' policies are kept once changed."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def version(self, org: str) -> int | None:
        """The stored policy's version; None when the organisation has none stored."""
        ...

    async def get(self, org: str) -> StoredPolicy | None: ...

    async def change(
        self,
        org: str,
        start_from: OrgConfig,
        edit: PolicyEdit,
        changed_by: str,
        role: Role | None,
    ) -> tuple[StoredPolicy, list[PolicyChange]]:
        """Apply ``edit`` to the stored policy (or to ``start_from`` when none is stored),
        store the result and append each change to the organisation's chain, in one
        transaction. No difference: nothing is stored or appended."""
        ...


def with_fields(config: OrgConfig, **fields: Any) -> OrgConfig:
    """``config`` with ``fields`` replaced, validated like an organisation file."""
    raw = config.model_dump(mode="json")
    raw.update({k: _plain(v) for k, v in fields.items()})
    try:
        return parse_org_config(raw, "the new policy")
    except OrgConfigError as exc:
        # A person typed it (chat, the CLI): their mistake, said as the field and why.
        raise InvalidInput(str(exc)) from None


def _plain(value: Any) -> Any:
    """Pydantic models and sets inside a field, as the JSON the validators read."""
    if isinstance(value, OrgConfig):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value


def with_user_role(config: OrgConfig, platform: str, user_id: str, role: Role) -> OrgConfig:
    """``config`` with ``user_id`` given ``role`` where it maps ``platform``'s people: the
    bare ``users`` of a one-platform file, else that platform's own section (``slack:``,
    ``teams:``), so that the role counts on that platform only."""
    if all(getattr(config, p) is None for p in USER_PLATFORMS):
        return with_fields(config, users={**config.users, user_id: role})
    if platform not in USER_PLATFORMS:
        raise InvalidInput(
            "this organisation lists people per platform (slack:, teams:): give roles in "
            "a Slack workspace's or a Teams tenant's organisation"
        )
    section = config.people(platform)
    people = {"users": {**section.users, user_id: role}, "locations": dict(section.locations)}
    return with_fields(config, **{platform: people})


def admins(config: OrgConfig, platform: str) -> frozenset[str]:
    """Who the policy makes an admin on ``platform`` (the organisation's own)."""
    return frozenset(u for u, r in config.people(platform).users.items() if r is Role.ADMIN)


def describe_changes(before: OrgConfig, after: OrgConfig) -> list[PolicyChange]:
    """Each setting that differs, as the audit trail names it (one entry per role, user,
    playbook), in a stable order."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    per_key = {
        "roles": "role limits",
        "users": "user role",
        "locations": "user location",
        "user_limits": "user limits",
        "playbook_authority": "playbook authority",
    }
    out: list[PolicyChange] = []
    for field in OrgConfig.model_fields:
        a, b = old.get(field), new.get(field)
        if a == b:
            continue
        if field in USER_PLATFORMS:
            # A platform's section: each user's role and location, as for bare ids (the
            # organisation is that platform's, so the id needs no prefix).
            a, b = a or {}, b or {}
            for part, what in (("users", "user role"), ("locations", "user location")):
                was, now = a.get(part) or {}, b.get(part) or {}
                for key in sorted(set(was) | set(now)):
                    if was.get(key) != now.get(key):
                        out.append(PolicyChange(what, key, was.get(key), now.get(key)))
        elif field in per_key:
            a, b = a or {}, b or {}
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    out.append(PolicyChange(per_key[field], key, a.get(key), b.get(key)))
        elif field == "own_playbooks":
            # Each playbook whole, before and after: the chain holds exactly what staff
            # were told to do and say.
            was = {pb["id"]: pb for pb in a or ()}
            now = {pb["id"]: pb for pb in b or ()}
            for pid in sorted(set(was) | set(now)):
                if was.get(pid) != now.get(pid):
                    out.append(PolicyChange(OWN_PLAYBOOK, pid, was.get(pid), now.get(pid)))
        elif field == "say_overrides":
            a, b = a or {}, b or {}
            for pid in sorted(set(a) | set(b)):
                was, now = a.get(pid) or {}, b.get(pid) or {}
                for step in sorted(set(was) | set(now), key=int):
                    if was.get(step) != now.get(step):
                        target = f"{pid} step {step}"
                        out.append(PolicyChange(SAY_LINE, target, was.get(step), now.get(step)))
        elif field == "disabled_playbooks":
            for pid in sorted(set(a or ()) ^ set(b or ())):
                was_off = pid in (a or ())
                out.append(
                    PolicyChange(
                        "playbook",
                        pid,
                        "disabled" if was_off else "enabled",
                        "enabled" if was_off else "disabled",
                    )
                )
        else:
            out.append(PolicyChange(field, "", a, b))
    return out


# --------------------------------------------------------------------------- typed amounts

def parse_policy_amounts(
    currency: str,
    typed: Mapping[str, str | Decimal | None],
    *,
    positive: frozenset[str] = frozenset(),
) -> dict[str, Decimal | None]:
    """Several typed amounts by setting name (None: not given), each read by
    ``bot.money.parse_limit``; every bad one is named in one ``InvalidSetting``, so a
    form shows them all at once. ``positive``: the settings that may not be zero."""
    out: dict[str, Decimal | None] = {}
    errors: dict[str, str] = {}
    for field, value in typed.items():
        if value is None:
            out[field] = None
            continue
        try:
            out[field] = parse_limit(value, currency, allow_zero=field not in positive)
        except InvalidAmount as exc:
            errors[field] = str(exc)
    if errors:
        raise InvalidSetting(errors)
    return out


class SqlPolicyStore(DatabaseStore):
    """``PolicyStore`` in the ledger's database; changes are chained by ``ledger``."""

    what = "policy"
    tables = metadata
    # A write that lost the ledger head's race is retried, as the ledger's own are.
    always_retry = SqlSpendLedger.always_retry

    def __init__(
        self, database: Database | str, ledger: SqlSpendLedger, *, clock: Clock = utcnow
    ) -> None:
        super().__init__(database)
        self.ledger = ledger
        self._clock = clock

    async def _create_tables(self) -> None:
        async def create(conn: AsyncConnection) -> None:
            await conn.run_sync(metadata.create_all)
            await record_schema_version(conn, SCHEMA_COMPONENT, SCHEMA_VERSION, "policy")

        await self._write(create, retry_on=(IntegrityError, ProgrammingError))

    async def version(self, org: str) -> int | None:
        query = select(org_policies.c.version).where(org_policies.c.org == org)
        async with self._connection(single_statement=True) as conn:
            found = await conn.scalar(query)
        return None if found is None else int(found)

    async def get(self, org: str) -> StoredPolicy | None:
        async with self._connection(single_statement=True) as conn:
            return await self._read(conn, org)

    async def _read(self, conn: AsyncConnection, org: str) -> StoredPolicy | None:
        query = select(org_policies.c.version, org_policies.c.document).where(
            org_policies.c.org == org
        )
        row = (await conn.execute(query)).one_or_none()
        if row is None:
            return None
        config = parse_org_config(json.loads(row.document), f"stored policy of {org}")
        return StoredPolicy(config, int(row.version))

    async def change(
        self,
        org: str,
        start_from: OrgConfig,
        edit: PolicyEdit,
        changed_by: str,
        role: Role | None,
    ) -> tuple[StoredPolicy, list[PolicyChange]]:
        async def work(conn: AsyncConnection) -> tuple[StoredPolicy, list[PolicyChange]]:
            # The organisation's ledger lock first: changes queue up with its spends, and
            # the policy read next is the one every concurrent change has left.
            head = await self.ledger.lock_head(conn, org)
            stored = await self._read(conn, org)
            current = start_from if stored is None else stored.config
            version = 0 if stored is None else stored.version
            updated = edit(current)
            changes = describe_changes(current, updated)
            if not changes:
                return StoredPolicy(current, version), []
            values = {
                "version": version + 1,
                "document": json.dumps(updated.model_dump(mode="json"), sort_keys=True),
                "updated_at": self._clock(),
            }
            if stored is None:
                await conn.execute(insert(org_policies).values(org=org, **values))
            else:
                await conn.execute(
                    update(org_policies).where(org_policies.c.org == org).values(**values)
                )
            recorded = await self.ledger.append_policy_changes(
                conn, org, head, changes, changed_by, role
            )
            return StoredPolicy(updated, version + 1), recorded

        return await self._write(work)


@dataclass(slots=True)
class _Cached:
    policy: AuthorityPolicy
    version: int | None
    checked_at: float


class OrgPolicies:
    """Each organisation's ``AuthorityPolicy``: stored, or where it starts from the file.

    ``whole_file``: one organisation per deployment, so the file's users, locations and
    escalation channel are its starting point too.
    """

    def __init__(
        self,
        store: PolicyStore | None,
        file_config: OrgConfig,
        *,
        whole_file: bool = True,
        cache_seconds: float = CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.file_config = file_config
        self.start_from = (
            file_config
            if whole_file
            else with_fields(
                # Limits, currency and time zone only: the file's people (bare or per
                # platform) and channel belong to one organisation, not to every tenant.
                file_config,
                users={},
                locations={},
                slack=None,
                teams=None,
                escalation_channel=None,
            )
        )
        self._start_policy = AuthorityPolicy(self.start_from)
        self._cache: dict[str, _Cached] = {}
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic

    def cached(self, org: str) -> AuthorityPolicy:
        """The organisation's policy as last read here (no I/O): for synchronous callers
        that run after ``get`` in the same request."""
        entry = self._cache.get(org)
        return self._start_policy if entry is None else entry.policy

    async def get(self, org: str) -> AuthorityPolicy:
        """The organisation's policy now (at most ``cache_seconds`` old)."""
        if self.store is None:
            return self._start_policy
        now = self._monotonic()
        entry = self._cache.get(org)
        if entry is not None and now - entry.checked_at < self._cache_seconds:
            return entry.policy
        version = await self.store.version(org)
        if entry is not None and entry.version == version:
            entry.checked_at = now
            return entry.policy
        stored = None if version is None else await self.store.get(org)
        if stored is None:
            entry = _Cached(self._start_policy, None, now)
        else:
            entry = _Cached(AuthorityPolicy(stored.config), stored.version, now)
        self._cache[org] = entry
        return entry.policy

    async def change(
        self, org: str, edit: PolicyEdit, changed_by: str, role: Role | None
    ) -> list[PolicyChange]:
        """Apply ``edit`` to the organisation's policy, audited; used here at once."""
        if self.store is None:
            raise InvalidInput("policy changes need the database; this setup has none")
        stored, changes = await self.store.change(org, self.start_from, edit, changed_by, role)
        self._cache[org] = _Cached(
            AuthorityPolicy(stored.config), stored.version, self._monotonic()
        )
        return changes


def open_policy_store(
    database: Database | str, ledger: SpendLedger, *, clock: Clock = utcnow
) -> SqlPolicyStore:
    """The policy store on the ledger's database (not yet open): changes are chained by
    the SQL ledger, in its transactions."""
    if not isinstance(ledger, SqlSpendLedger):
        raise TypeError("the policy store chains its changes in the SQL ledger")
    return SqlPolicyStore(database, ledger, clock=clock)


# --------------------------------------------------------------------------- showing changes


def policy_change_dict(change: PolicyChange) -> dict[str, Any]:
    """One change as JSON (``policy_changes`` in reports, the CLI's ``--json``)."""
    return {
        "entry_id": change.entry_id,
        "what": change.what,
        "target": change.target,
        "before": change.before,
        "after": change.after,
        "changed_by": change.changed_by,
        "role": None if change.role is None else change.role.value,
        "at": None if change.created_at is None else change.created_at.isoformat(),
    }


def _value_text(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, Mapping):
        # Limits read per-incident first, as staff see them.
        keys = sorted(value, key=lambda k: (k != "per_incident", k != "daily", k))
        return ", ".join(f"{k.replace('_', '-')} {_value_text(value[k])}" for k in keys)
    if isinstance(value, list):
        return ", ".join(_value_text(v) for v in value) or "(none)"
    return str(value)


def _playbook_text(before: Any, after: Any) -> str:
    """An own playbook's change in a few words (the JSON has it whole)."""
    if not isinstance(after, Mapping):
        return f"removed “{before.get('title')}”" if isinstance(before, Mapping) else "(none)"
    title, owner, due = after.get("title"), after.get("owner"), after.get("review_by")
    about = f"“{title}”, owner {owner}, review by {due}"
    if not isinstance(before, Mapping):
        return f"added {about}"
    changed = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    return f"changed {', '.join(changed)} of {about}"


def policy_change_line(change: PolicyChange) -> str:
    """'role limits associate: per-incident 100, daily 300 → per-incident 40, daily 120
    (by U1)': one line, for text, Slack and Teams reports and the CLI."""
    subject = f"{change.what} {change.target}".strip()
    if change.what == OWN_PLAYBOOK:
        line = f"{subject}: {_playbook_text(change.before, change.after)}"
    elif change.what == SAY_LINE:
        before, after = (
            "(the library's line)" if v is None else f"“{v}”" for v in (change.before, change.after)
        )
        line = f"{subject}: {before} → {after}"
    else:
        line = f"{subject}: {_value_text(change.before)} → {_value_text(change.after)}"
    return line + (f" (by {change.changed_by})" if change.changed_by else "")
