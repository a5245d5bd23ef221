"""The spend ledger: append-only, hash-chained per organisation, approvals as events.

One SQLAlchemy code path serves SQLite (the embedded default) and PostgreSQL; the URL
picks the backend. See ``bot.ledger.sql`` for the implementation; ``open_ledger`` is the
entry points' way in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, Protocol

from bot.clock import Clock, utcnow
from bot.models import LedgerEntry, Role, SpendRequest, SpendStatus, VerifyResult

if TYPE_CHECKING:
    from bot.database import Database


# The longest request key kept with a spend (a Slack signature and timestamp fit easily).
MAX_REQUEST_KEY = 300


class SpendState(StrEnum):
    """How a spend stands, for reports: who authorised it, or that nobody has yet."""

    SELF_APPROVED = "self_approved"  # within the employee's own authority
    MANAGER_APPROVED = "manager_approved"  # over authority, approved by a manager
    DENIED = "denied"  # over authority, denied by a manager
    PENDING = "pending"  # over authority, waiting for a manager


SummaryDimension = Literal["user_id", "playbook_id", "day"]


@dataclass(frozen=True, slots=True)
class SpendSummaryRow:
    """One group of ``SpendLedger.summary``: how many spends, and their total in minor units.

    Rows are always split by ``state`` and ``currency``; ``user_id``, ``playbook_id`` and
    ``day`` are filled in only when the summary was asked to group by them (``day`` is the
    local date in the requested time zone). ``playbook_id`` may be None (no playbook).
    """

    state: SpendState
    currency: str
    count: int
    total_minor: int
    user_id: str | None = None
    playbook_id: str | None = None
    day: date | None = None


@dataclass(frozen=True, slots=True)
class SpendTotals:
    """What the ledger holds for one spend's decision, read under the organisation's lock.

    Only approved money counts: what the spender approved on their own authority today,
    what this customer received today (by anyone, on anyone's authority), and what this
    incident received so far. Pending and denied spends count against none of them.
    ``None``: the spend names no customer (or no incident).
    """

    self_authorised_today: int
    customer_approved_today: int | None
    incident_approved: int | None


@dataclass(frozen=True, slots=True)
class SpendVerdict:
    """The decision on one spend: approved at once, or pending with the reasons why."""

    status: SpendStatus
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordedSpend:
    """What ``authorise_and_record`` did.

    ``entry`` is the spend recorded now, or the one first recorded under the same request
    key (``replayed``); None when ``earlier`` (a matching recent spend by the same person)
    needs the person's confirmation first. ``totals`` are those the decision saw: for a
    replay, the ledger as it stood just before the original entry, so the receipt repeats.
    """

    entry: LedgerEntry | None
    totals: SpendTotals
    replayed: bool = False
    earlier: LedgerEntry | None = None


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """One change of an organisation's policy, as its hash chain holds it.

    ``what`` names the setting ("role limits", "user role", "playbook", …), ``target``
    which one ("associate", a user id, a playbook id; "" for the organisation itself);
    ``before`` and ``after`` are plain JSON values (amounts as decimal strings, None for
    "not set"). ``changed_by`` is the platform user (or ``local:NAME`` at the shell).
    """

    what: str
    target: str
    before: Any
    after: Any
    changed_by: str = ""
    role: Role | None = None
    entry_id: str = ""
    seq: int = 0
    created_at: datetime | None = None


class SpendLedger(Protocol):
    """What the core needs from a ledger. Every method is scoped to one organisation."""

    async def open(self) -> None:
        """Connect and create or migrate the schema."""

    async def close(self) -> None: ...

    async def ping(self) -> bool:
        """True when the database answers (for readiness); never raises."""
        ...

    async def record_spend(
        self,
        org: str,
        user_id: str,
        role: Role,
        request: SpendRequest,
        status: SpendStatus,
        over_authority_reasons: tuple[str, ...] = (),
    ) -> LedgerEntry:
        """Append a spend (approved at once, or pending) and return it."""
        ...

    async def authorise_and_record(
        self,
        org: str,
        user_id: str,
        role: Role,
        request: SpendRequest,
        *,
        decide: Callable[[SpendTotals], SpendVerdict],
        day_start: datetime,
        request_key: str | None = None,
        duplicates_since: datetime | None = None,
        same_reason: Callable[[str], bool] | None = None,
    ) -> RecordedSpend:
        """Decide and record one spend as a single step, serialised per organisation.

        In one transaction: a spend already recorded under ``request_key`` is returned as
        it is (a replayed request records nothing); a spend (not denied) by the same
        person since ``duplicates_since`` with the same amount and customer, whose reason
        ``same_reason`` accepts, is returned as ``earlier`` (nothing recorded); otherwise,
        under the organisation's write lock, ``decide`` gets the totals as they stand and
        its verdict is appended, with the request key under a unique constraint.
        Concurrent spends, in one process or many, each see the ones committed before them.
        """
        ...

    async def decide(self, org: str, entry_id: str, decided_by: str, approve: bool) -> LedgerEntry:
        """Append an approval/denial event for a pending spend, exactly once.

        Raises ``NotFound`` or ``AlreadyDecided``; permission checks are the caller's.
        """
        ...

    async def get(self, org: str, entry_id: str) -> LedgerEntry | None: ...

    async def spends(
        self,
        org: str,
        since: datetime | None = None,
        until: datetime | None = None,
        user_id: str | None = None,
        customer_ref: str | None = None,
    ) -> list[LedgerEntry]:
        """Spends created in ``[since, until)``, oldest first, with their current status."""
        ...

    async def pending(self, org: str) -> list[LedgerEntry]:
        """Spends still waiting for a manager's decision, oldest first."""
        ...

    async def self_authorised_total(self, org: str, user_id: str, since: datetime) -> int:
        """Minor units this user spent on their own authority since ``since``."""
        ...

    async def customer_total(self, org: str, customer_ref: str, since: datetime) -> int:
        """Minor units approved for this customer since ``since``, by anyone (the cap's base)."""
        ...

    async def verify(self, org: str | None = None) -> VerifyResult:
        """Recompute the hash chain(s); name the first altered or removed entry."""
        ...

    async def policy_changes(
        self, org: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[PolicyChange]:
        """Policy changes recorded in ``[since, until)``, oldest first."""
        ...

    async def summary(
        self,
        org: str,
        since: datetime,
        until: datetime,
        by: tuple[SummaryDimension, ...] = (),
        timezone: str = "UTC",
    ) -> list[SpendSummaryRow]:
        """Count and total of spends created in ``[since, until)``, grouped in the database.

        Always grouped by state and currency, and further by ``by``; ``day`` buckets by the
        local date in ``timezone`` (an IANA name). For reports over many entries, where
        fetching every row with ``spends`` would be too slow.
        """
        ...


def open_ledger(
    database: Database | str, *, clock: Clock = utcnow, key: bytes | None = None
) -> SpendLedger:
    """The ledger for ``url``, not yet connected: call ``await ledger.open()`` before use.

    ``sqlite:///path`` or ``postgresql://…`` (``postgres://`` and explicit async drivers
    are accepted too). Raises ``ValueError`` for an unusable URL; ``open()`` raises
    ``StorageUnavailable`` when the database cannot be reached. ``clock`` stamps entries
    and decisions: give it the coach's. ``key`` (``COACHBOT_LEDGER_KEY``) keys the hash
    chain from each organisation's next entry (see ``bot.ledger.sql``).
    """
    # Imported here so that importing the Protocol does not pull in SQLAlchemy.
    from bot.ledger.sql import SqlSpendLedger

    return SqlSpendLedger(database, clock=clock, key=key)
