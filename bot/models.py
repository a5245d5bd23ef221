"""The plain types the core speaks. Adapters translate their platform to and from these.

Everything here is immutable data: no I/O, no platform knowledge. Money is always an
integer count of minor units (pence, cents) plus an ISO 4217 currency code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """Staff roles, lowest first. Order matters: it is the escalation ladder."""

    ASSOCIATE = "associate"
    LEAD = "lead"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank

    def next_up(self) -> Role | None:
        roles = list(Role)
        return roles[self.rank + 1] if self.rank + 1 < len(roles) else None

    @classmethod
    def parse(cls, text: str) -> Role:
        """Parse a role name; raises ``ValueError`` with a clear message on anything else."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise ValueError(f"unknown role {text!r}: use one of {names}") from None


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer minor units of ``currency`` (ISO 4217). Never a float."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor must be an int of minor units")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking: organisation (Slack team / Teams tenant / 'local'), user id, role."""

    org: str
    user_id: str
    role: Role
    display_name: str | None = None
    platform: str = "console"  # "slack" | "teams" | "console": where replies must go


@dataclass(frozen=True, slots=True)
class Gesture:
    """A goodwill gesture a playbook suggests, with its typical cost."""

    name: str
    typical_cost: Money | None


@dataclass(frozen=True, slots=True)
class Step:
    index: int  # 1-based, as staff count
    total: int
    do: str
    say: str | None


@dataclass(frozen=True, slots=True)
class Authority:
    """What this employee may spend on their own authority, right now, for this playbook."""

    role: Role
    per_incident: Money
    daily_allowance: Money
    remaining_today: Money


@dataclass(frozen=True, slots=True)
class Escalation:
    needed: bool
    reasons: tuple[str, ...] = ()  # e.g. ("safety",), ("legal", "review")


@dataclass(frozen=True, slots=True)
class ScoredPlaybook:
    id: str
    title: str
    score: float


@dataclass(frozen=True, slots=True)
class GivenToCustomer:
    user_id: str
    amount: Money
    at: datetime
    pending: bool  # waiting for a manager: promised, not yet given


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    """What a customer already received today (any staff, any shift), so the next helper knows."""

    customer_ref: str
    # Approved and pending together (pending: promised, not yet given). The daily cap
    # counts only what was approved (see ``SpendTotals``).
    given_today: Money
    entries: tuple[GivenToCustomer, ...]


@dataclass(frozen=True, slots=True)
class Advice:
    """The answer to a situation.

    ``fallback`` True: the playbook is general-recovery because no specific playbook was
    confidently right; ``alternatives`` are the best guesses, to offer as buttons.
    ``confident`` False without ``fallback`` (a library with no general-recovery): ask
    "did you mean …" with the playbook and its alternatives.
    """

    incident_id: str
    situation: str
    playbook: ScoredPlaybook
    step: Step
    authority: Authority
    gestures: tuple[Gesture, ...]
    escalation: Escalation
    alternatives: tuple[ScoredPlaybook, ...]
    confidence: float
    confident: bool
    matched_terms: tuple[str, ...] = ()
    customer: CustomerHistory | None = None
    escalation_id: str | None = None  # the managers' escalation opened for this incident
    fallback: bool = False
    # One sentence explaining the answer ("I can only read English, so here are the
    # general recovery steps."), else None.
    note: str | None = None


class SpendStatus(StrEnum):
    APPROVED = "approved"  # within authority, or approved by a manager
    PENDING = "pending"  # over authority, waiting for a manager
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class SpendRequest:
    """A parsed request to spend money on a customer's behalf."""

    amount: Money
    reason: str
    playbook_id: str | None = None
    customer_ref: str | None = None
    incident_id: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A spend as the ledger holds it, with its current status and who decided it."""

    entry_id: str
    org: str
    seq: int
    user_id: str
    role: Role
    amount: Money
    reason: str
    playbook_id: str | None
    customer_ref: str | None
    incident_id: str | None
    status: SpendStatus
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    over_authority_reasons: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    entries_checked: int
    first_bad: str | None = None  # entry id (or seq) of the first altered / removed entry
    problem: str | None = None


class EscalationStatus(StrEnum):
    OPEN = "open"  # notified, nobody has acted yet
    ACKNOWLEDGED = "acknowledged"  # a manager has seen it
    TAKEN_OVER = "taken_over"  # a manager is handling it in person
    RESOLVED = "resolved"  # closed (a spend decided, or marked resolved)


class EscalationAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    TAKE_OVER = "take_over"
    RESOLVE = "resolve"
    APPROVE = "approve"  # spend escalations only
    DENY = "deny"  # spend escalations only


@dataclass(frozen=True, slots=True)
class EscalationRecord:
    """A request for a manager's attention, with its whole history of who did what, when."""

    escalation_id: str
    org: str
    platform: str
    kind: str  # "spend" (over authority) or "situation" (safety, legal, review, ...)
    reasons: tuple[str, ...]
    summary: str  # the situation or the spend, as staff typed it
    raised_by: str
    opened_at: datetime
    status: EscalationStatus
    level: Role  # the role currently being asked to act
    playbook_id: str | None = None
    incident_id: str | None = None
    entry_id: str | None = None  # the pending spend, for kind "spend"
    notified_count: int = 0
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    taken_over_by: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    history: tuple[tuple[str, str, datetime], ...] = ()  # (action, user id, when)
    # When managers were last told (opened or re-notified) and how often at this level:
    # the monitor moves an escalation up a role after enough unanswered re-notifications.
    last_notified_at: datetime | None = None
    renotified_at_level: int = 0
    # The platform's handle of the channel message ('escalation.opened'), to update it.
    channel_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Notification:
    """One message the platform must accept: stored first, retried until delivered.

    ``topic`` says what to render: "escalation.opened", "escalation.updated" (edit the
    channel message in place), "escalation.renotify", "spend.decided" (tell the employee).
    ``recipient`` is a user id for a direct message, or None for the escalation channel.
    ``ref`` is the platform's handle for an earlier message to update (e.g. Slack's
    channel and ts), recorded when ``escalation.opened`` was delivered.
    Topics starting "incident." (``incident.outcome``: ask the employee how it ended) are
    not about an escalation: ``escalation_id`` is then the incident id and ``payload``
    holds everything the message shows, so a notifier needs no other lookup.
    """

    notification_id: str
    org: str
    platform: str
    topic: str
    escalation_id: str
    recipient: str | None
    attempts: int
    created_at: datetime
    ref: str | None = None
    payload: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PlaybookUse:
    """A playbook and how often it was followed: titles only, never what staff typed."""

    playbook_id: str
    title: str
    uses: int


@dataclass(frozen=True, slots=True)
class PendingSpend:
    """A spend waiting in the managers' queue, and the escalation its Approve / Deny act
    on (the same actions as the managers' channel card's, checked again on click)."""

    entry_id: str
    user_id: str  # the employee who asked
    amount: Money
    reason: str
    customer_ref: str | None
    requested_at: datetime
    escalation_id: str | None  # None only if the escalation was never stored
    over_authority_reasons: tuple[str, ...] = ()

    @classmethod
    def of(cls, entry: LedgerEntry, escalation_id: str | None) -> PendingSpend:
        return cls(
            entry_id=entry.entry_id,
            user_id=entry.user_id,
            amount=entry.amount,
            reason=entry.reason,
            customer_ref=entry.customer_ref,
            requested_at=entry.created_at,
            escalation_id=escalation_id,
            over_authority_reasons=entry.over_authority_reasons,
        )


@dataclass(frozen=True, slots=True)
class TodayFigures:
    """The organisation's day so far (managers' home): spends by state, escalations."""

    approved: Money
    approved_count: int
    pending: Money
    pending_count: int
    denied_count: int
    escalations_raised: int
    escalations_open: int


@dataclass(frozen=True, slots=True)
class PlaybookSummary:
    """A playbook as its admins see it in the home: owner and whether review is overdue."""

    playbook_id: str
    title: str
    owner: str
    review_by: date
    overdue: bool
    enabled: bool = True  # False: this organisation switched it off
    can_disable: bool = True  # False: a safety playbook or general-recovery, always on


@dataclass(frozen=True, slots=True)
class Home:
    """What one person's home screen shows (Slack's App Home, Teams' ``home``).

    Everyone: their authority now, their open incident and today's spends, and the
    playbooks most used at their location (``top_playbooks``, for one-tap starts).
    ``pending`` and ``today`` are for those who may decide spends (else empty / None);
    ``limits`` (role, per-incident, daily) and ``playbooks`` for admins.
    """

    authority: Authority
    open_incident: Advice | None
    spends_today: tuple[LedgerEntry, ...]
    top_playbooks: tuple[PlaybookUse, ...]
    pending: tuple[PendingSpend, ...] = ()
    pending_more: int = 0  # pending spends beyond those listed
    today: TodayFigures | None = None
    limits: tuple[tuple[Role, Money, Money], ...] = ()
    playbooks: tuple[PlaybookSummary, ...] = ()
