"""The service every adapter calls: situations in, ``Advice`` out; spends in, entries out.

Permissions are checked here, once, for every platform. Adapters pass who is asking as
an ``Actor`` whose role was resolved by ``Coach.actor`` (the organisation file decides,
from its mapping for the platform whose organisation it is: ``bot.orgs``).
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import structlog

from bot import metrics
from bot.authority import AuthorityPolicy
from bot.clock import Clock, utcnow
from bot.customers import extract_customer_ref, normalise_ref
from bot.errors import AlreadyDecided, InvalidInput, NotFound, NotPermitted, StorageUnavailable
from bot.escalations import EscalationStore
from bot.incidents import IncidentRecord, IncidentStore, Outcome
from bot.inputs import (
    MAX_CUSTOMER_REF_CHARS,
    MAX_NOTE_CHARS,
    MAX_REASON_CHARS,
    plain_id,
    plain_text,
    refuse_control_characters,
)
from bot.ledger import MAX_REQUEST_KEY, SpendLedger, SpendTotals, SpendVerdict
from bot.matching import MatchResult, PlaybookMatcher
from bot.models import (
    Actor,
    Advice,
    Authority,
    CustomerHistory,
    Escalation,
    EscalationAction,
    EscalationRecord,
    EscalationStatus,
    Gesture,
    GivenToCustomer,
    LedgerEntry,
    Money,
    Role,
    ScoredPlaybook,
    SpendRequest,
    SpendStatus,
    Step,
)
from bot.money import currency_exponent, format_money, parse_amount, to_minor
from bot.orgs import CONSOLE, platform_of
from bot.playbooks import Playbook, PlaybookLibrary
from bot.state import SharedState

MAX_SITUATION_CHARS = 2000
USAGE_HINT = (
    "Tell me what is happening, e.g. \"guest's clothes stuck in the broken washer, "
    "she's furious\" — then 'next', 'spend £48 dry cleaning' or 'escalate'."
)
SPEND_HINT = "say the amount and what it is for, e.g. 'spend £48 dry cleaning, room 214'"
# Situations that go straight to a manager rather than a shift lead.
MANAGER_REASONS = frozenset({"safety", "legal", "abuse", "media"})
# Acting on an escalation (acknowledge, take over, resolve) needs at least this role;
# approving or denying a spend needs what ``AuthorityPolicy.can_decide`` says.
RESPONDER_ROLE = Role.LEAD
# A spend repeating one the same employee logged this recently is asked about first.
DUPLICATE_WINDOW = timedelta(minutes=10)


log = structlog.get_logger(__name__)


class NotUnderstood(InvalidInput):
    """Text with nothing the coach can work with: the user gets the usage hint."""


@dataclass(frozen=True, slots=True)
class SpendOutcome:
    """A recorded spend and why it needs a manager (empty when within authority).

    ``entry`` None: nothing was recorded because the spend repeats ``earlier`` (logged
    by the same employee a few minutes ago, at ``earlier_at`` local time); ask them
    whether to log another, and if so call ``spend`` again with ``confirm=True`` and the
    same ``request`` fields. ``replayed``: a repeated delivery of a request already
    recorded; ``entry`` is the first one, and the receipt is the first receipt.
    """

    entry: LedgerEntry | None
    over_authority: tuple[str, ...]
    authority: Authority
    customer: CustomerHistory | None
    escalation: EscalationRecord | None = None  # the managers' request, when pending
    request: SpendRequest | None = None  # what was asked: amount, reason, incident
    earlier: LedgerEntry | None = None
    earlier_at: datetime | None = None
    replayed: bool = False

    @property
    def needs_confirmation(self) -> bool:
        return self.entry is None


@dataclass(frozen=True, slots=True)
class RoleLimits:
    role: Role
    per_incident: Money
    daily_allowance: Money
    overrides: tuple[tuple[str, Money], ...]  # (playbook id, per-incident limit)


class Coach:
    def __init__(
        self,
        *,
        library: PlaybookLibrary,
        policy: AuthorityPolicy,
        ledger: SpendLedger,
        state: SharedState,
        escalations: EscalationStore,
        matcher: PlaybookMatcher | None = None,
        clock: Clock = utcnow,
        incidents: IncidentStore | None = None,
    ) -> None:
        self.library = library
        self.policy = policy
        self.ledger = ledger
        self.state = state
        self.escalations = escalations
        self.matcher = matcher or PlaybookMatcher(library)
        self.clock = clock
        # Every incident's life and outcome, for good (the shared state forgets). None:
        # coaching works as before, without outcome prompts or recovery figures.
        self.incidents = incidents
        self._tz = ZoneInfo(policy.config.timezone)

    # -- who is asking -------------------------------------------------------------

    def actor(
        self,
        org: str,
        user_id: str,
        claimed_role: Role | None = None,
        display_name: str | None = None,
        platform: str = "console",
    ) -> Actor:
        """Resolve the role from the organisation file; unknown users get the lowest.

        ``org`` is an organisation id (``bot.orgs.org_for``). A Slack or Teams actor must
        be in an organisation of its own platform: a Teams request can never be an
        actor in a Slack workspace, whatever ids it names. The role comes from the file's
        mapping for the organisation's platform (the console, acting in any organisation
        by its id, gets that organisation's platform mapping too).
        """
        if not user_id.strip():
            raise InvalidInput("a user id is needed")
        org, user_id = plain_id(org, "organisation id"), plain_id(user_id, "user id")
        if platform != CONSOLE and platform_of(org) != platform:
            raise NotPermitted(f"that organisation is not a {platform} organisation")
        role = self.policy.role_for(user_id, claimed_role, platform=platform_of(org))
        return Actor(
            org=org, user_id=user_id, role=role, display_name=display_name, platform=platform
        )

    @property
    def currency(self) -> str:
        return self.policy.config.currency

    # -- coaching ------------------------------------------------------------------

    async def advise(self, actor: Actor, text: str) -> Advice:
        """Match a situation, open an incident for this employee, return what to do now."""
        situation = _clean_situation(text)
        result = self.matcher.match(situation)
        if not result.meaningful or not result.ranked:
            raise NotUnderstood(result.note or USAGE_HINT)
        playbook = self.library.get(result.ranked[0].playbook_id)
        customer_ref, _ = extract_customer_ref(situation)
        incident = {
            "id": _new_id("in_"),
            "situation": situation,
            "playbook_id": playbook.id,
            "step": 1,
            "customer_ref": customer_ref,
            "alternatives": [c.playbook_id for c in result.ranked[1:4]],
            # The matcher has applied the playbooks' escalation rules already (only for a
            # playbook it answers with, and not to a customer leaving for reasons of
            # their own); the text's own signals count whatever the answer.
            "escalation_reasons": sorted(result.all_reasons),
            "opened_at": self.clock().isoformat(),
        }
        await self._open_situation_escalation(actor, incident)
        await self._remember(actor, incident)
        await self._record_incident(actor, incident, tuple(result.matched_terms))
        advice = await self._advice(actor, incident, result)
        metrics.ADVICE_SERVED.labels(playbook=playbook.id).inc()
        return advice

    async def next_step(self, actor: Actor, incident_id: str | None = None) -> Advice:
        """The next step of the open incident; ``incident_id`` (a card's button) must be it."""
        incident = await self._open_incident(actor, incident_id)
        playbook = self.library.get(incident["playbook_id"])
        if incident["step"] >= len(playbook.steps):
            raise InvalidInput(
                f"that was the last step of '{playbook.title}' — log a spend, escalate, "
                "or describe what is happening now"
            )
        incident["step"] += 1
        await self._remember(actor, incident)
        await self._touch_incident(actor, incident, step=incident["step"])
        return await self._advice(actor, incident, None)

    async def choose_playbook(self, actor: Actor, playbook_id: str) -> Advice:
        """'Not this one': switch the open incident to another playbook, from step 1."""
        incident = await self._open_incident(actor)
        if plain_id(playbook_id, "playbook id") not in self.library:
            raise NotFound(f"no playbook called {playbook_id!r}")
        playbook = self.library.get(playbook_id)
        previous = incident["playbook_id"]
        incident.update(
            playbook_id=playbook.id,
            step=1,
            alternatives=[p for p in [previous, *incident["alternatives"]] if p != playbook.id],
            escalation_reasons=sorted(
                set(incident["escalation_reasons"]) | set(playbook.escalation.reasons)
                if playbook.escalation.always
                else set(incident["escalation_reasons"])
            ),
        )
        await self._open_situation_escalation(actor, incident)
        await self._remember(actor, incident)
        if self.incidents is not None and previous != playbook.id:
            # "Not this one" is feedback on the playbook left and the words that chose
            # it: owners see it in `coachbot playbooks stats` and fix weak triggers.
            with self._best_effort("incident.reroute_not_recorded", incident):
                await self.incidents.reroute(
                    actor.org, incident["id"], actor.user_id, playbook.id, self.clock()
                )
        return await self._advice(actor, incident, None)

    async def current(self, actor: Actor) -> Advice | None:
        incident = await self.state.get_incident(actor.org, actor.user_id)
        return None if incident is None else await self._advice(actor, incident, None)

    # -- money ---------------------------------------------------------------------

    async def spend(
        self,
        actor: Actor,
        text: str,
        *,
        playbook_id: str | None = None,
        customer_ref: str | None = None,
        incident_id: str | None = None,
        request_key: str | None = None,
        confirm: bool = False,
    ) -> SpendOutcome:
        """Parse "£48 dry cleaning, room 214", decide on authority and record, in one step.

        The decision (per-incident total, daily allowance, customer cap, single-spend
        ceiling) and the write are one serialised step in the ledger, so concurrent spends
        never approve themselves past a limit. ``incident_id`` joins a given incident
        (else the employee's open one). ``request_key`` names the delivered platform
        request: a repeat records nothing and returns the first receipt. Unless
        ``confirm``, a spend repeating one the same employee logged in the last
        ``DUPLICATE_WINDOW`` records nothing and comes back ``needs_confirmation``.
        Raises ``InvalidAmount``/``InvalidInput`` and records nothing on bad input.
        ``incident_id`` (a card's button) must be the open incident, else ``NotFound``.
        """
        refuse_control_characters(text, "spend")
        max_minor = to_minor(self.policy.config.max_single_spend, self.currency)
        amount, rest = parse_amount(text, self.currency, max_minor=max_minor)
        typed_ref, reason = extract_customer_ref(rest)
        if customer_ref is not None:
            customer_ref = plain_text(customer_ref, "customer reference", MAX_CUSTOMER_REF_CHARS)
            given = normalise_ref(customer_ref) or customer_ref
            if not given:
                raise InvalidInput("the customer reference is empty")
            typed_ref = given
        reason = reason.strip(" ,;:-–")
        if reason.lower().startswith(("on ", "for ")):
            reason = reason.split(" ", 1)[1].strip()
        if not reason:
            raise InvalidInput(f"what was it for? {SPEND_HINT}")
        reason = plain_text(reason, "reason", MAX_REASON_CHARS)
        if request_key is not None and not 0 < len(request_key) <= MAX_REQUEST_KEY:
            raise InvalidInput(f"an idempotency key is 1 to {MAX_REQUEST_KEY} characters")

        incident = await self._spend_incident(actor, incident_id)
        if playbook_id is not None and plain_id(playbook_id, "playbook id") not in self.library:
            raise NotFound(f"no playbook called {playbook_id!r}")
        if playbook_id is None and incident is not None:
            playbook_id = incident.get("playbook_id")
        if typed_ref is None and incident is not None:
            typed_ref = incident.get("customer_ref")
        playbook = self.library.get(playbook_id) if playbook_id else None
        request = SpendRequest(
            amount=amount,
            reason=reason,
            playbook_id=playbook_id,
            customer_ref=typed_ref,
            incident_id=incident["id"] if incident else None,
        )

        def decide(totals: SpendTotals) -> SpendVerdict:
            # Runs inside the ledger's serialised step, on the totals as they stand there.
            decision = self.policy.check(
                actor.role,
                amount,
                playbook,
                spent_today_minor=totals.self_authorised_today,
                customer_today_minor=totals.customer_approved_today,
                customer_ref=typed_ref,
                incident_spent_minor=totals.incident_approved or 0,
            )
            status = SpendStatus.APPROVED if decision.within else SpendStatus.PENDING
            return SpendVerdict(status, decision.reasons)

        now = self.clock()
        words = _reason_words(reason)
        recorded = await self.ledger.authorise_and_record(
            actor.org,
            actor.user_id,
            actor.role,
            request,
            decide=decide,
            day_start=self._start_of_today(),
            request_key=request_key,
            duplicates_since=None if confirm else now - DUPLICATE_WINDOW,
            same_reason=lambda earlier: _reason_words(earlier) == words,
        )
        history = await self._customer_history(actor.org, typed_ref)
        entry = recorded.entry
        if entry is None:
            assert recorded.earlier is not None
            return SpendOutcome(
                None,
                (),
                self._authority_after(actor.role, playbook, recorded.totals, None),
                history,
                request=request,
                earlier=recorded.earlier,
                earlier_at=recorded.earlier.created_at.astimezone(self._tz),
            )
        authority = self._authority_after(actor.role, playbook, recorded.totals, entry)
        if recorded.replayed:
            escalation = await self._replayed_escalation(actor, entry)
            return SpendOutcome(
                entry,
                entry.over_authority_reasons,
                authority,
                history,
                escalation,
                request=request,
                replayed=True,
            )
        metrics.SPENDS.labels(status=entry.status.value).inc()
        if incident is not None:
            await self._touch_incident(actor, incident)
        escalation = None
        if entry.status is SpendStatus.PENDING:
            escalation = await self._raise_spend_escalation(actor, entry, playbook)
        return SpendOutcome(
            entry, entry.over_authority_reasons, authority, history, escalation, request=request
        )

    async def _spend_incident(self, actor: Actor, incident_id: str | None) -> dict[str, Any] | None:
        """The incident a spend joins: the one named, else the employee's open one."""
        current = await self.state.get_incident(actor.org, actor.user_id)
        if incident_id is None or not incident_id.strip():
            return current
        wanted = incident_id.strip()
        if current is not None and current.get("id") == wanted:
            return current
        record = None if self.incidents is None else await self.incidents.get(actor.org, wanted)
        if record is None:
            raise NotFound(f"no incident {wanted!r} in this organisation")
        return {
            "id": record.incident_id,
            "playbook_id": record.playbook_id,
            "customer_ref": record.customer_ref,
        }

    def _authority_after(
        self,
        role: Role,
        playbook: Playbook | None,
        totals: SpendTotals,
        entry: LedgerEntry | None,
    ) -> Authority:
        """The spender's authority once ``entry`` is counted (as its receipt shows it)."""
        spent = totals.self_authorised_today
        if entry is not None and entry.status is SpendStatus.APPROVED and not entry.decided_by:
            spent += entry.amount.minor
        allowance = self.policy.daily_allowance(role)
        return Authority(
            role,
            self.policy.per_incident(role, playbook),
            allowance,
            Money(max(0, allowance.minor - spent), allowance.currency),
        )

    def _approver_level(self, spender: Role, amount: Money, playbook: Playbook | None) -> Role:
        """Who can approve: a manager, never below the spender, and one whose own
        per-incident limit covers the amount (else the highest role)."""
        level = max(Role.MANAGER, spender, key=lambda r: r.rank)
        while amount.minor > self.policy.per_incident(level, playbook).minor:
            higher = level.next_up()
            if higher is None:
                break
            level = higher
        return level

    async def _raise_spend_escalation(
        self, actor: Actor, entry: LedgerEntry, playbook: Playbook | None
    ) -> EscalationRecord:
        escalation = await self.escalations.raise_escalation(
            org=actor.org,
            platform=actor.platform,
            kind="spend",
            reasons=entry.over_authority_reasons,
            summary=_spend_summary(entry),
            raised_by=actor.user_id,
            # Another manager decides a manager's spend; an admin's goes to admins.
            level=self._approver_level(actor.role, entry.amount, playbook),
            playbook_id=entry.playbook_id,
            incident_id=entry.incident_id,
            entry_id=entry.entry_id,
        )
        metrics.ESCALATIONS_RAISED.labels(kind="spend").inc()
        return escalation

    async def _replayed_escalation(
        self, actor: Actor, entry: LedgerEntry
    ) -> EscalationRecord | None:
        """The managers' request for a replayed pending spend; raised now if the first
        delivery's process died between recording the spend and asking the managers."""
        if entry.over_authority_reasons == ():
            return None
        escalation = await self.escalations.for_entry(actor.org, entry.entry_id)
        if escalation is None and entry.status is SpendStatus.PENDING:
            playbook = self.library.get(entry.playbook_id) if entry.playbook_id else None
            escalation = await self._raise_spend_escalation(actor, entry, playbook)
        return escalation

    async def decide(self, actor: Actor, entry_id: str, *, approve: bool) -> LedgerEntry:
        """A manager approves or denies a pending spend, once; never their own.

        The linked escalation is resolved and the spender told, exactly as when the
        manager clicks *Approve* / *Deny* (``act``): the CLI and the buttons agree.
        """
        actor = self._current(actor)
        if not self.policy.can_decide(actor.role):
            raise NotPermitted("only a manager or admin can approve or deny spends")
        entry = await self.ledger.get(actor.org, plain_id(entry_id, "spend id").strip())
        if entry is None:
            raise NotFound(f"no spend with id {entry_id.strip()!r}")
        if entry.user_id == actor.user_id:
            raise NotPermitted("nobody approves their own spend — ask another manager")
        if approve:
            self._check_approver_limit(actor, entry)
        escalation = await self.escalations.for_entry(actor.org, entry.entry_id)
        try:
            decided = await self.ledger.decide(actor.org, entry.entry_id, actor.user_id, approve)
        except AlreadyDecided:
            # A crash between the ledger's decision and the escalation's resolution
            # would leave the channel asking forever: settle it from the ledger.
            await self._close_spend_escalation(actor.org, escalation, entry.entry_id)
            raise
        await self._close_spend_escalation(actor.org, escalation, entry.entry_id, decided)
        return decided

    def _check_approver_limit(self, actor: Actor, entry: LedgerEntry) -> None:
        """An approval is within the approver's own authority, or it is refused."""
        ceiling = self.policy.max_single_spend
        amount = format_money(entry.amount)
        if entry.amount.minor > ceiling.minor:
            raise NotPermitted(
                f"{amount} is over the {format_money(ceiling)} maximum for a single spend: "
                "nobody can approve it — deny it and log it in smaller, separate spends"
            )
        known = entry.playbook_id is not None and entry.playbook_id in self.library
        playbook = self.library.get(entry.playbook_id) if known and entry.playbook_id else None
        own = self.policy.per_incident(actor.role, playbook)
        if entry.amount.minor > own.minor:
            needed = self._approver_level(actor.role, entry.amount, playbook)
            raise NotPermitted(
                f"{amount} is over your own {format_money(own)} per-incident limit, so you "
                f"cannot approve it — it needs an {needed.value}"
                if needed is not actor.role
                else f"{amount} is over your own {format_money(own)} per-incident limit, "
                "so you cannot approve it"
            )

    # -- escalations ---------------------------------------------------------------

    async def escalate(
        self, actor: Actor, note: str | None = None, incident_id: str | None = None
    ) -> EscalationRecord:
        """Staff press *Escalate*: tell the managers about the open incident."""
        note = plain_text(note or "", "note", MAX_NOTE_CHARS)
        incident = await self._open_incident(actor, incident_id)
        summary = incident["situation"] + (f" — {note}" if note else "")
        record = await self._raise_situation(
            actor, incident, tuple(incident["escalation_reasons"]) or ("staff",), summary
        )
        if incident.get("escalation_id") != record.escalation_id:
            incident["escalation_id"] = record.escalation_id
            await self._remember(actor, incident)
        await self._touch_incident(actor, incident)
        return record

    # -- outcomes ------------------------------------------------------------------

    async def record_outcome(
        self,
        actor: Actor,
        incident_id: str | None,
        outcome: Outcome | str,
        note: str | None = None,
        review_posted: bool | None = None,
    ) -> IncidentRecord:
        """Close an incident with how it ended (the prompt's buttons, `outcome won`, CLI).

        ``incident_id`` None means the employee's open incident, else their latest one
        still waiting for an outcome. Only the employee who handled it, or a lead and
        above (a shift lead closing up for the team), may say how it ended.
        """
        store = self._incident_store()
        if isinstance(outcome, str):
            outcome = Outcome.parse(outcome)
        if outcome is Outcome.UNKNOWN:
            raise InvalidInput("say won, calmed, lost or unsure ('unknown' is for no answer)")
        actor = self._current(actor)
        record = await self._find_incident(actor, incident_id)
        if record.user_id != actor.user_id and not actor.role.at_least(RESPONDER_ROLE):
            raise NotPermitted("only the person who handled it, or a lead, can record that")
        closed = await store.record_outcome(
            actor.org,
            record.incident_id,
            outcome,
            actor.user_id,
            self.clock(),
            note=note,
            review_posted=review_posted,
        )
        open_now = await self.state.get_incident(actor.org, record.user_id)
        if open_now is not None and open_now.get("id") == record.incident_id:
            # Closed: 'next' and 'spend' must not keep attaching to it.
            await self.state.clear_incident(actor.org, record.user_id)
        return closed

    async def create_pulse(self, actor: Actor, incident_id: str | None = None) -> str:
        """A code for the customer to answer "did we put it right?" (same code if asked again)."""
        store = self._incident_store()
        record = await self._find_incident(actor, incident_id, any_outcome=True)
        if record.user_id != actor.user_id and not actor.role.at_least(RESPONDER_ROLE):
            raise NotPermitted("only the person who handled it, or a lead, can send that")
        return await store.create_pulse(actor.org, record.incident_id, self.clock())

    async def act(
        self, actor: Actor, escalation_id: str, action: EscalationAction
    ) -> EscalationRecord:
        """A button click on an escalation, from any platform: the one place they land.

        The clicker's role is looked up again now (a button in a channel can be pressed
        by anyone, and roles change); an escalation is bound to its organisation and id.
        """
        actor = self._current(actor)
        escalation = await self.escalations.get(
            actor.org, plain_id(escalation_id, "escalation id").strip()
        )
        if escalation is None:
            raise NotFound(f"no escalation {escalation_id.strip()!r} in this organisation")
        if escalation.status is EscalationStatus.RESOLVED:
            raise AlreadyDecided(
                f"this escalation was already resolved by {escalation.resolved_by}"
            )
        if action in (EscalationAction.APPROVE, EscalationAction.DENY):
            if escalation.kind != "spend" or escalation.entry_id is None:
                raise InvalidInput("only a spend escalation can be approved or denied")
            await self.decide(
                actor, escalation.entry_id, approve=action is EscalationAction.APPROVE
            )
            resolved = await self.escalations.get(actor.org, escalation.escalation_id)
            assert resolved is not None
            return resolved
        if not actor.role.at_least(RESPONDER_ROLE):
            raise NotPermitted(f"only a {RESPONDER_ROLE.value} or above can act on escalations")
        return await self.escalations.record_action(
            actor.org, escalation.escalation_id, action, actor.user_id
        )

    async def limits(self, actor: Actor) -> list[RoleLimits]:
        """The organisation's authority table (managers and admins only)."""
        self.require_manager(actor)
        out = []
        for role in Role:
            overrides = tuple(
                (p.id, self.policy.per_incident(role, p))
                for p in self.library
                if role in p.authority
            )
            out.append(
                RoleLimits(
                    role,
                    self.policy.per_incident(role, None),
                    self.policy.daily_allowance(role),
                    overrides,
                )
            )
        return out

    def require_manager(self, actor: Actor) -> None:
        if not actor.role.at_least(Role.MANAGER):
            raise NotPermitted("sorry — that is for managers and admins only")

    # -- internals -----------------------------------------------------------------

    def _current(self, actor: Actor) -> Actor:
        """The actor with the role the organisation file gives them now.

        Refuses an actor of one platform in another platform's organisation, however it
        was made: decisions and escalation clicks come through here.
        """
        if actor.platform != CONSOLE and platform_of(actor.org) != actor.platform:
            raise NotPermitted(f"that organisation is not a {actor.platform} organisation")
        role = self.policy.role_for(actor.user_id, actor.role, platform=platform_of(actor.org))
        if role is actor.role:
            return actor
        return Actor(actor.org, actor.user_id, role, actor.display_name, actor.platform)

    async def _open_situation_escalation(self, actor: Actor, incident: dict[str, Any]) -> None:
        """Safety, legal, abuse, review, media, leaving: managers hear at once."""
        reasons = tuple(incident["escalation_reasons"])
        if not reasons:
            return
        try:
            record = await self._raise_situation(actor, incident, reasons, incident["situation"])
        except StorageUnavailable as exc:
            # Mid-emergency the advice matters more than the alert: it still says
            # "escalate", and pressing Escalate retries (and reports the outage).
            log.error(
                "escalation.not_opened", org=actor.org, incident=incident["id"], error=exc.detail
            )
            return
        incident["escalation_id"] = record.escalation_id

    async def _raise_situation(
        self, actor: Actor, incident: dict[str, Any], reasons: tuple[str, ...], summary: str
    ) -> EscalationRecord:
        level = Role.MANAGER if MANAGER_REASONS & set(reasons) else RESPONDER_ROLE
        # Never ask the person raising it to handle it: at least one role above them.
        above = actor.role.next_up() or Role.ADMIN
        level = max(level, above, key=lambda r: r.rank)
        record = await self.escalations.raise_escalation(
            org=actor.org,
            platform=actor.platform,
            kind="situation",
            reasons=reasons,
            summary=summary,
            raised_by=actor.user_id,
            level=level,
            playbook_id=incident["playbook_id"],
            incident_id=incident["id"],
        )
        metrics.ESCALATIONS_RAISED.labels(kind="situation").inc()
        return record

    async def _close_spend_escalation(
        self,
        org: str,
        escalation: EscalationRecord | None,
        entry_id: str,
        decided: LedgerEntry | None = None,
    ) -> None:
        """Resolve a decided spend's escalation and tell the spender, once."""
        if escalation is None or escalation.status is EscalationStatus.RESOLVED:
            return
        if decided is None:
            decided = await self.ledger.get(org, entry_id)
            if decided is None or decided.decided_by is None:
                return
        action = (
            EscalationAction.APPROVE
            if decided.status is SpendStatus.APPROVED
            else EscalationAction.DENY
        )
        # AlreadyDecided: a concurrent path closed it, and told the spender there.
        with contextlib.suppress(AlreadyDecided):
            await self.escalations.record_action(
                org,
                escalation.escalation_id,
                action,
                decided.decided_by or "",
                tell=decided.user_id,
            )

    def _incident_store(self) -> IncidentStore:
        if self.incidents is None:
            raise InvalidInput("incident outcomes are not recorded in this setup")
        return self.incidents

    async def _find_incident(
        self, actor: Actor, incident_id: str | None, *, any_outcome: bool = False
    ) -> IncidentRecord:
        store = self._incident_store()
        if incident_id is not None and plain_id(incident_id, "incident id").strip():
            found = await store.get(actor.org, incident_id.strip())
            if found is None:
                raise NotFound(f"no incident {incident_id.strip()!r} in this organisation")
            return found
        open_now = await self.state.get_incident(actor.org, actor.user_id)
        if open_now is not None:
            found = await store.get(actor.org, open_now["id"])
            if found is not None and (any_outcome or found.outcome in (None, Outcome.UNKNOWN)):
                return found
        found = await store.latest_without_outcome(actor.org, actor.user_id)
        if found is None:
            raise NotFound("no incident waiting for an outcome — tell me what happened first")
        return found

    async def _record_incident(
        self, actor: Actor, incident: dict[str, Any], matched_terms: tuple[str, ...]
    ) -> None:
        if self.incidents is None:
            return
        with self._best_effort("incident.not_recorded", incident):
            await self.incidents.open_incident(
                org=actor.org,
                user_id=actor.user_id,
                platform=actor.platform,
                incident_id=incident["id"],
                situation=incident["situation"],
                playbook_id=incident["playbook_id"],
                matched_terms=matched_terms,
                customer_ref=incident.get("customer_ref"),
                at=self.clock(),
            )

    async def _touch_incident(
        self, actor: Actor, incident: dict[str, Any], step: int | None = None
    ) -> None:
        if self.incidents is None:
            return
        with self._best_effort("incident.not_touched", incident):
            await self.incidents.touch(actor.org, incident["id"], self.clock(), step=step)

    @contextlib.contextmanager
    def _best_effort(self, event: str, incident: dict[str, Any]) -> Iterator[None]:
        # The incident record serves reports later; mid-shift, the advice and the spend
        # matter more, so a database blip here is logged, never shown to the employee.
        try:
            yield
        except StorageUnavailable as exc:
            log.error(event, incident=incident.get("id"), error=exc.detail)

    async def _open_incident(self, actor: Actor, incident_id: str | None = None) -> dict[str, Any]:
        """The employee's open incident; with ``incident_id`` (what a card's button carries),
        only that one: a button on an older card must never act on a newer incident."""
        incident = await self.state.get_incident(actor.org, actor.user_id)
        wanted = (incident_id or "").strip()
        if wanted and (incident is None or incident.get("id") != wanted):
            raise NotFound(await self._not_open(actor, wanted, incident))
        if incident is None:
            raise NotFound("no open situation — tell me what is happening first")
        return incident

    async def _not_open(
        self, actor: Actor, incident_id: str, open_now: dict[str, Any] | None
    ) -> str:
        """Why a card's incident cannot be acted on, naming it (and the open one, if any)."""
        about = ""
        if self.incidents is not None:
            with contextlib.suppress(StorageUnavailable):
                record = await self.incidents.get(actor.org, incident_id)
                if record is not None and record.user_id == actor.user_id:
                    about = f" ({_quote(record.situation)})"
        card = f"that card belongs to incident `{incident_id}`{about}, which is closed"
        if open_now is None:
            return f"{card} — nothing was changed; tell me what is happening first"
        return (
            f"{card}: you are on `{open_now['id']}` ({_quote(open_now['situation'])}) now — "
            "nothing was changed; use its newest card"
        )

    async def _remember(self, actor: Actor, incident: dict[str, Any]) -> None:
        ttl = self.policy.config.incident_ttl_minutes * 60
        await self.state.put_incident(actor.org, actor.user_id, incident, ttl)

    async def _advice(
        self, actor: Actor, incident: dict[str, Any], result: MatchResult | None
    ) -> Advice:
        playbook = self.library.get(incident["playbook_id"])
        index = incident["step"]
        raw_step = playbook.steps[index - 1]
        if result is not None:
            scores = {c.playbook_id: c.score for c in result.ranked}
            confidence, confident = result.confidence, result.confident
            terms = result.matched_terms
        else:  # a step the employee moved to, or a playbook they chose: no new ranking
            scores, confidence, confident, terms = {}, 1.0, True, ()
        alternatives = tuple(
            ScoredPlaybook(pid, self.library.get(pid).title, round(scores.get(pid, 0.0), 4))
            for pid in incident["alternatives"]
            if pid in self.library
        )
        reasons = tuple(incident["escalation_reasons"])
        return Advice(
            incident_id=incident["id"],
            situation=incident["situation"],
            playbook=ScoredPlaybook(
                playbook.id, playbook.title, round(scores.get(playbook.id, confidence), 4)
            ),
            step=Step(index, len(playbook.steps), raw_step.do, raw_step.say),
            authority=await self._authority(actor, playbook),
            gestures=tuple(
                Gesture(g.name, None if g.typical_cost is None else self._rounded(g.typical_cost))
                for g in playbook.gestures
            ),
            escalation=Escalation(bool(reasons), reasons),
            alternatives=alternatives,
            confidence=round(confidence, 4),
            confident=confident,
            matched_terms=tuple(terms),
            customer=await self._customer_history(actor.org, incident.get("customer_ref")),
            escalation_id=incident.get("escalation_id"),
            fallback=result is not None and result.fallback,
            note=result.note if result is not None else None,
        )

    def _rounded(self, major: Decimal) -> Money:
        # A playbook written for pounds may say "12.50"; in yen that is 13, not an error.
        step = Decimal(1).scaleb(-currency_exponent(self.currency))
        return Money(to_minor(major.quantize(step, ROUND_HALF_UP), self.currency), self.currency)

    async def _authority(self, actor: Actor, playbook: Playbook | None) -> Authority:
        per_incident = self.policy.per_incident(actor.role, playbook)
        allowance = self.policy.daily_allowance(actor.role)
        spent = await self.ledger.self_authorised_total(
            actor.org, actor.user_id, self._start_of_today()
        )
        remaining = Money(max(0, allowance.minor - spent), allowance.currency)
        return Authority(actor.role, per_incident, allowance, remaining)

    async def _customer_history(self, org: str, ref: str | None) -> CustomerHistory | None:
        if not ref:
            return None
        entries = [
            e
            for e in await self.ledger.spends(org, since=self._start_of_today(), customer_ref=ref)
            if e.status is not SpendStatus.DENIED
        ]
        total = sum(e.amount.minor for e in entries)
        return CustomerHistory(
            ref,
            Money(total, self.currency),
            tuple(
                GivenToCustomer(
                    e.user_id,
                    e.amount,
                    e.created_at.astimezone(self._tz),
                    e.status is SpendStatus.PENDING,
                )
                for e in entries
            ),
        )

    def _start_of_today(self) -> datetime:
        local_now = self.clock().astimezone(self._tz)
        midnight = datetime.combine(local_now.date(), time(0), tzinfo=self._tz)
        return midnight.astimezone(UTC)

    def today_bounds(self) -> tuple[datetime, datetime]:
        start = self._start_of_today()
        return start, start + timedelta(days=1)


def _quote(situation: str, limit: int = 60) -> str:
    short = situation if len(situation) <= limit else situation[: limit - 1].rstrip() + "…"
    return f"“{short}”"


def _clean_situation(text: str) -> str:
    refuse_control_characters(text or "", "description")
    situation = " ".join((text or "").split())
    if not situation:
        raise NotUnderstood(USAGE_HINT)
    if len(situation) > MAX_SITUATION_CHARS:
        raise InvalidInput(
            f"that is too long — describe it in under {MAX_SITUATION_CHARS} characters"
        )
    return situation


def _reason_words(reason: str) -> tuple[str, ...]:
    """A reason as the words it says: "Dry-cleaning, " and "dry cleaning" are the same."""
    return tuple(re.findall(r"\w+", reason.casefold()))


def _spend_summary(entry: LedgerEntry) -> str:
    customer = f" ({entry.customer_ref})" if entry.customer_ref else ""
    return f"{format_money(entry.amount)} {entry.reason}{customer}"


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(5)
