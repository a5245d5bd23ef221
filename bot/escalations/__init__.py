"""Escalations and the notification outbox: the contract adapters and the core share.

An escalation is opened by the core (over-authority spend, or a situation that signals
safety, legal/abuse, review/media or a customer leaving, or staff pressing *Escalate*).
Opening it stores a ``Notification`` in the same transaction; a platform's
``OutboxWorker`` delivers it and retries until the platform accepts it, so a restart
loses nothing. Unacknowledged escalations are re-notified, then moved one role up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.clock import Clock, utcnow
from bot.models import EscalationAction, EscalationRecord, Notification, Role

if TYPE_CHECKING:
    from bot.database import Database

# Notification topics: what a Notifier renders.
OPENED = "escalation.opened"  # post to the escalation channel; its ref is kept
UPDATED = "escalation.updated"  # edit the channel message (Notification.ref) in place
RENOTIFY = "escalation.renotify"  # remind the channel (level may have moved up a role)
SPEND_DECIDED = "spend.decided"  # direct message to the spender (Notification.recipient)
# Messages about an incident, not an escalation: Notification.payload says it all.
INCIDENT_PREFIX = "incident."
OUTCOME_PROMPT = "incident.outcome"  # DM: "how did it end?" with one-tap answers
# The escalation channel's daily line witnessing the ledger's head (bot.ledger.checkpoint);
# self-contained like the incident messages.
LEDGER_CHECKPOINT = "ledger.checkpoint"
_MESSAGE_PREFIXES = (INCIDENT_PREFIX, "ledger.")


def is_message(topic: str) -> bool:
    """True for self-contained messages (``MessageNotifier.deliver_message``), False for
    those about an escalation (``Notifier.deliver``)."""
    return topic.startswith(_MESSAGE_PREFIXES)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a platform said about one delivery attempt."""

    ok: bool
    ref: str | None = None  # handle of the posted message, to update it later
    retry_after: float | None = None  # seconds the platform asked us to wait (429)
    error: str | None = None
    permanent: bool = False  # e.g. channel not found: stop retrying, log loudly
    # The platform itself did not answer (unreachable, 5xx): every message to this
    # workspace would fail the same way, so the outbox pauses the workspace, not just this.
    unavailable: bool = False
    # What a 429's Retry-After applies to (Slack: the Web API method); None: everything.
    scope: str | None = None


class Notifier(Protocol):
    """Implemented by each adapter: render and send one notification."""

    platform: str

    async def deliver(
        self, notification: Notification, escalation: EscalationRecord
    ) -> Delivery: ...


class ScopedNotifier(Protocol):
    """A notifier whose platform rate-limits per method: it names the methods a
    notification will call, so a paused method holds it back before any call is made.
    Optional: without it the outbox checks only the workspace-wide pause."""

    def scopes(self, notification: Notification) -> tuple[str, ...]: ...


class MessageNotifier(Protocol):
    """A notifier that can also send self-contained messages ("incident.*", "ledger.*").

    Optional on purpose: a platform that does not implement it yet has those messages
    given up (logged) rather than retried for ever.
    """

    platform: str

    async def deliver_message(self, notification: Notification) -> Delivery: ...


class EscalationStore(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def raise_escalation(
        self,
        *,
        org: str,
        platform: str,
        kind: str,
        reasons: tuple[str, ...],
        summary: str,
        raised_by: str,
        level: Role,
        playbook_id: str | None = None,
        incident_id: str | None = None,
        entry_id: str | None = None,
    ) -> EscalationRecord:
        """Store an escalation and its 'escalation.opened' notification, atomically.

        Idempotent per (org, incident_id, kind) while open: a second call returns the
        existing record instead of notifying managers twice.
        """
        ...

    async def get(self, org: str, escalation_id: str) -> EscalationRecord | None: ...

    async def for_entry(self, org: str, entry_id: str) -> EscalationRecord | None: ...

    async def record_action(
        self,
        org: str,
        escalation_id: str,
        action: EscalationAction,
        by: str,
        *,
        tell: str | None = None,
    ) -> EscalationRecord:
        """Append a transition (who, what, when) and enqueue 'escalation.updated'.

        ``tell``: also enqueue 'spend.decided' to this user id, in the same transaction,
        so a decided spend and the spender's message are never one without the other.
        Raises ``NotFound`` (no such escalation in ``org``), ``AlreadyDecided`` for an
        action that no longer applies (resolved, or already acknowledged / taken over)
        and ``InvalidInput`` for approve/deny on a situation or resolve on a spend.
        """
        ...

    async def notify_user(self, org: str, escalation_id: str, user_id: str, topic: str) -> None:
        """Enqueue a direct message to ``user_id`` (e.g. 'spend.decided')."""
        ...

    async def due_notifications(
        self, platform: str, now: datetime, limit: int = 20
    ) -> list[Notification]:
        """Claim notifications due for delivery (each claimed by one worker at a time)."""
        ...

    async def delivered(self, notification_id: str, ref: str | None) -> None: ...

    async def failed(self, notification_id: str, retry_at: datetime, error: str) -> None:
        """Count a failed attempt, release the claim, try again at ``retry_at``."""
        ...

    async def postpone(self, notification_id: str, retry_at: datetime, error: str) -> None:
        """Release the claim and try again at ``retry_at`` WITHOUT counting an attempt:
        the platform asked us to wait (429) or its workspace is paused, so nothing about
        this notification failed."""
        ...

    async def give_up(self, notification_id: str, error: str) -> None:
        """A permanent failure (channel gone, bot removed): never retried, kept for audit."""
        ...

    async def unacknowledged(self, older_than: datetime) -> list[EscalationRecord]:
        """Open escalations last notified at or before ``older_than`` (to re-notify).

        Only those whose opening card was posted: a card nobody has seen yet (the
        platform is down) is not reminded of nor moved up; its clock starts when it is
        posted (``delivered`` sets ``last_notified_at``).
        """
        ...

    async def renotify(
        self,
        org: str,
        escalation_id: str,
        level: Role,
        *,
        if_notified_before: datetime | None = None,
    ) -> EscalationRecord | None:
        """Bump the notified count (and level), enqueue 'escalation.renotify'.

        Returns None, changing nothing, when the escalation is no longer open or (with
        ``if_notified_before``) was notified after it: two monitors never remind twice.
        """
        ...

    async def list(
        self, org: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[EscalationRecord]:
        """Escalations opened in [since, until), oldest first (for reports)."""
        ...


def open_escalations(database: Database | str, *, clock: Clock = utcnow) -> EscalationStore:
    """The store for ``url`` (the ledger's database), not yet connected: ``await open()``."""
    # Imported here so that importing the Protocol does not pull in SQLAlchemy.
    from bot.escalations.sql import SqlEscalationStore

    return SqlEscalationStore(database, clock=clock)
