"""The service every adapter calls: situations in, ``Advice`` out; spends in, entries out.

Permissions are checked here, once, for every platform. Adapters pass who is asking as
an ``Actor`` whose role was resolved by ``Coach.actor`` (the organisation file decides,
from its mapping for the platform whose organisation it is: ``bot.orgs``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import structlog

from bot import metrics
from bot.authority import AuthorityPolicy, OrgConfig
from bot.clock import Clock, utcnow
from bot.customers import extract_customer_ref, normalise_ref
from bot.errors import (
    AlreadyDecided,
    InvalidInput,
    InvalidSetting,
    NotFound,
    NotPermitted,
    StorageUnavailable,
)
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
from bot.ledger import MAX_REQUEST_KEY, PolicyChange, SpendLedger, SpendTotals, SpendVerdict
from bot.matching import MatchResult, PlaybookMatcher
from bot.matching.result import Candidate
from bot.matching.safety import SAFETY_PLAYBOOKS
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
    Home,
    LedgerEntry,
    Money,
    OrgSettings,
    PendingSpend,
    PlaybookUse,
    Role,
    ScoredPlaybook,
    SpendRequest,
    SpendStatus,
    Step,
    TodayFigures,
)
from bot.money import currency_exponent, format_money, parse_amount, to_minor
from bot.org_playbooks import (
    OrgLibraries,
    adding,
    check_playbooks,
    overdue_reviews,
    removing,
    saying,
    summary,
)
from bot.orgs import CONSOLE, platform_of
from bot.playbooks import FALLBACK_PLAYBOOK_ID, Playbook, PlaybookLibrary
from bot.policy import (
    OrgPolicies,
    admins,
    parse_policy_amounts,
    with_fields,
    with_user_role,
)
from bot.state import SharedState

MAX_SITUATION_CHARS = 2000
USAGE_HINT = (
    "Tell me what is happening, e.g. \"guest's clothes stuck in the broken washer, "
    "she's furious\" — then 'next', 'spend £48 dry cleaning' or 'escalate'."
)
SPEND_HINT = "say the amount and what it is for, e.g. 'spend £48 dry cleaning, room 214'"
# Situations that go straight to a manager rather than a shift lead.
MANAGER_REASONS = frozenset({"safety", "legal", "abuse", "media", "wellbeing"})
# Acting on an escalation (acknowledge, take over, resolve) needs at least this role;
# approving or denying a spend needs what ``AuthorityPolicy.can_decide`` says.
RESPONDER_ROLE = Role.LEAD
# Playbooks no organisation can switch off.
ALWAYS_ANSWERED = SAFETY_PLAYBOOKS | {FALLBACK_PLAYBOOK_ID}
# A spend repeating one the same employee logged this recently is asked about first.
DUPLICATE_WINDOW = timedelta(minutes=10)
# The home's one-tap playbooks: those most followed at the location over this many days.
TOP_PLAYBOOK_DAYS = 30
# The home's pending queue: spends this recent (older ones are in reports and the CLI),
# at most this many listed.
PENDING_LOOKBACK_DAYS = 30
HOME_PENDING_LIMIT = 10


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
        policies: OrgPolicies | None = None,
    ) -> None:
        self.library = library
        # The organisation file's policy; each organisation's own is ``policies``' (the
        # database's once it was changed there, else where it starts from this file).
        self.policy = policy
        self.policies = policies or OrgPolicies(None, policy.config)
        self.ledger = ledger
        self.state = state
        self.escalations = escalations
        # Each organisation's view: the library with its say lines, plus its own; and
        # the deployment's matcher (``matcher``, else built when first asked for).
        self.org_playbooks = OrgLibraries(library, matcher)
        self.clock = clock
        # Every incident's life and outcome, for good (the shared state forgets). None:
        # coaching works as before, without outcome prompts or recovery figures.
        self.incidents = incidents

    @property
    def matcher(self) -> PlaybookMatcher:
        """The deployment's matcher; a coach that only logs spends never builds it."""
        return self.org_playbooks.matcher

    # -- who is asking -------------------------------------------------------------

    def actor(
        self,
        org: str,
        user_id: str,
        claimed_role: Role | None = None,
        display_name: str | None = None,
        platform: str = "console",
        platform_admin: bool = False,
    ) -> Actor:
        """Resolve the role from the organisation's policy; unknown users get the lowest.

        ``platform_admin``: the adapter verified with the chat platform's own API that
        this person administers the workspace (see ``Actor``); never from typed text.

        From the policy as last read here: every action looks the role up again, fresh.
        ``org`` is an organisation id (``bot.orgs.org_for``). A Slack or Teams actor must
        be in an organisation of its own platform: a Teams request can never be an
        actor in a Slack workspace, whatever ids it names. The role comes from the
        policy's mapping for the organisation's platform (the console, acting in any
        organisation by its id, gets that organisation's platform mapping too).
        """
        if not user_id.strip():
            raise InvalidInput("a user id is needed")
        org, user_id = plain_id(org, "organisation id"), plain_id(user_id, "user id")
        if platform != CONSOLE and platform_of(org) != platform:
            raise NotPermitted(f"that organisation is not a {platform} organisation")
        role = self.policies.cached(org).role_for(user_id, claimed_role, platform=platform_of(org))
        return Actor(
            org=org,
            user_id=user_id,
            role=role,
            display_name=display_name,
            platform=platform,
            platform_admin=platform_admin,
        )

    @property
    def currency(self) -> str:
        return self.policy.config.currency

    # -- coaching ------------------------------------------------------------------

    async def advise(self, actor: Actor, text: str) -> Advice:
        """Match a situation, open an incident for this employee, return what to do now."""
        actor = await self._current(actor)
        situation = _clean_situation(text)
        config = self.policies.cached(actor.org).config
        matcher = await self.org_playbooks.matcher_for(actor.org, config)
        result = self._without_disabled(actor.org, matcher.match(situation))
        if not result.meaningful or not result.ranked:
            raise NotUnderstood(result.note or USAGE_HINT)
        playbook = self.library_for(actor.org).get(result.ranked[0].playbook_id)
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
        actor = await self._current(actor)
        incident = await self._open_incident(actor, incident_id)
        playbook = self.library_for(actor.org).get(incident["playbook_id"])
        if incident["step"] >= len(playbook.steps):
            raise InvalidInput(
                f"that was the last step of '{playbook.title}' — log a spend, escalate, "
                "or describe what is happening now"
            )
        incident["step"] += 1
        await self._remember(actor, incident)
        await self._touch_incident(actor, incident, step=incident["step"])
        return await self._advice(actor, incident, None)

    async def choose_playbook(
        self, actor: Actor, playbook_id: str, incident_id: str | None = None
    ) -> Advice:
        """'Not this one': switch the open incident to another playbook, from step 1.
        ``incident_id``: the incident the card's button carried (an older card's is
        refused, naming it, rather than switching the newer incident)."""
        actor = await self._current(actor)
        incident = await self._open_incident(actor, incident_id)
        library = self.library_for(actor.org)
        if plain_id(playbook_id, "playbook id") not in library or self._disabled(
            actor.org, playbook_id
        ):
            raise NotFound(f"no playbook called {playbook_id!r}")
        playbook = library.get(playbook_id)
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

    async def current(self, actor: Actor, incident_id: str | None = None) -> Advice | None:
        """The open incident's advice; with ``incident_id`` (a card's button), only that
        incident's, else NotFound naming it as closed."""
        actor = await self._current(actor)
        if incident_id is not None and incident_id.strip():
            return await self._advice(actor, await self._open_incident(actor, incident_id), None)
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
        actor = await self._current(actor)
        policy = self.policies.cached(actor.org)
        max_minor = policy.max_single_spend.minor
        amount, rest = parse_amount(text, policy.currency, max_minor=max_minor)
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
        library = self.library_for(actor.org)
        if playbook_id is not None and plain_id(playbook_id, "playbook id") not in library:
            raise NotFound(f"no playbook called {playbook_id!r}")
        if playbook_id is None and incident is not None:
            playbook_id = incident.get("playbook_id")
        if typed_ref is None and incident is not None:
            typed_ref = incident.get("customer_ref")
        playbook = library.get(playbook_id) if playbook_id and playbook_id in library else None
        request = SpendRequest(
            amount=amount,
            reason=reason,
            playbook_id=playbook_id,
            customer_ref=typed_ref,
            incident_id=incident["id"] if incident else None,
        )

        def decide(totals: SpendTotals) -> SpendVerdict:
            # Runs inside the ledger's serialised step, on the totals as they stand there.
            decision = policy.check(
                actor.role,
                amount,
                playbook,
                spent_today_minor=totals.self_authorised_today,
                customer_today_minor=totals.customer_approved_today,
                customer_ref=typed_ref,
                incident_spent_minor=totals.incident_approved or 0,
                user_id=actor.user_id,
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
            day_start=self._start_of_today(actor.org),
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
                self._authority_after(actor, playbook, recorded.totals, None),
                history,
                request=request,
                earlier=recorded.earlier,
                earlier_at=recorded.earlier.created_at.astimezone(self._tz(actor.org)),
            )
        authority = self._authority_after(actor, playbook, recorded.totals, entry)
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
        actor: Actor,
        playbook: Playbook | None,
        totals: SpendTotals,
        entry: LedgerEntry | None,
    ) -> Authority:
        """The spender's authority once ``entry`` is counted (as its receipt shows it)."""
        spent = totals.self_authorised_today
        if entry is not None and entry.status is SpendStatus.APPROVED and not entry.decided_by:
            spent += entry.amount.minor
        policy = self.policies.cached(actor.org)
        allowance = policy.daily_allowance(actor.role, actor.user_id)
        return Authority(
            actor.role,
            policy.per_incident(actor.role, playbook, actor.user_id),
            allowance,
            Money(max(0, allowance.minor - spent), allowance.currency),
        )

    def _approver_level(
        self, org: str, spender: Role, amount: Money, playbook: Playbook | None
    ) -> Role:
        """Who can approve: a manager, never below the spender, and one whose own
        per-incident limit covers the amount (else the highest role)."""
        level = max(Role.MANAGER, spender, key=lambda r: r.rank)
        while amount.minor > self.policies.cached(org).per_incident(level, playbook).minor:
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
            level=self._approver_level(actor.org, actor.role, entry.amount, playbook),
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
            library = self.library_for(actor.org)
            known = entry.playbook_id is not None and entry.playbook_id in library
            playbook = library.get(entry.playbook_id) if known and entry.playbook_id else None
            escalation = await self._raise_spend_escalation(actor, entry, playbook)
        return escalation

    async def decide(self, actor: Actor, entry_id: str, *, approve: bool) -> LedgerEntry:
        """A manager approves or denies a pending spend, once; never their own.

        The linked escalation is resolved and the spender told, exactly as when the
        manager clicks *Approve* / *Deny* (``act``): the CLI and the buttons agree.
        """
        actor = await self._current(actor)
        if not self.policies.cached(actor.org).can_decide(actor.role):
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
        policy = self.policies.cached(actor.org)
        ceiling = policy.max_single_spend
        amount = format_money(entry.amount)
        if entry.amount.minor > ceiling.minor:
            raise NotPermitted(
                f"{amount} is over the {format_money(ceiling)} maximum for a single spend: "
                "nobody can approve it — deny it and log it in smaller, separate spends"
            )
        library = self.library_for(actor.org)
        known = entry.playbook_id is not None and entry.playbook_id in library
        playbook = library.get(entry.playbook_id) if known and entry.playbook_id else None
        own = policy.per_incident(actor.role, playbook, actor.user_id)
        if entry.amount.minor > own.minor:
            needed = self._approver_level(actor.org, actor.role, entry.amount, playbook)
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
        actor = await self._current(actor)
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
        actor = await self._current(actor)
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
        actor = await self._current(actor)
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
        actor = await self._current(actor)
        self.require_manager(actor)
        policy = self.policies.cached(actor.org)
        out = []
        for role in Role:
            overrides = tuple(
                (p.id, policy.per_incident(role, p))
                for p in self.library_for(actor.org)
                if role in p.authority or role in policy.config.playbook_authority.get(p.id, {})
            )
            out.append(
                RoleLimits(
                    role,
                    policy.per_incident(role, None),
                    policy.daily_allowance(role),
                    overrides,
                )
            )
        return out

    async def pending(self, actor: Actor) -> list[PendingSpend]:
        """The organisation's spends waiting for a decision, oldest first (managers, admins).

        Each carries its escalation's id so that a list's Approve / Deny buttons are the
        same actions as the managers' channel card's (``act``), checked again on click.
        """
        actor = await self._current(actor)  # a role changed a moment ago counts
        self.require_manager(actor)
        out = []
        for entry in await self.ledger.pending(actor.org):
            escalation = await self.escalations.for_entry(actor.org, entry.entry_id)
            out.append(PendingSpend.of(entry, escalation.escalation_id if escalation else None))
        return out

    async def home(self, actor: Actor) -> Home:
        """What ``actor``'s home screen shows now, as plain data (see ``Home``).

        Everyone: their authority, open incident, today's spends and the playbooks most
        followed at their location in the last ``TOP_PLAYBOOK_DAYS`` days (titles from
        the incident history; the situations staff typed are never part of it). Those who
        may decide spends also get the pending queue and today's figures; admins the
        limits table and the playbooks with their review dates.
        """
        actor = await self._current(actor)
        policy = await self.policy_for(actor.org)
        start = self._start_of_today(actor.org)
        spends_today = await self.ledger.spends(actor.org, since=start)
        own = tuple(e for e in spends_today if e.user_id == actor.user_id)
        home = Home(
            authority=await self._authority(actor, None),
            open_incident=await self.current(actor),
            spends_today=own,
            top_playbooks=await self._top_playbooks(actor),
        )
        if policy.can_decide(actor.role):
            pending, more = await self._pending_for(actor)
            home = replace(
                home,
                pending=pending,
                pending_more=more,
                today=await self._today_figures(actor.org, spends_today, start),
            )
        if is_admin(actor):
            home = replace(home, **self._admin_view(actor.org, policy))
        return home

    async def admin_view(self, actor: Actor) -> Home:
        """What an admin edits (roles' limits, playbooks on or off, the organisation's
        settings) as it stands now: the admin part of ``home``, for an edit form.
        ``NotPermitted`` for anyone who is not an admin now."""
        actor = await self._current(actor)
        require_admin(actor)
        policy = await self.policy_for(actor.org)
        authority = await self._authority(actor, None)
        return Home(authority, None, (), (), **self._admin_view(actor.org, policy))

    def _admin_view(self, org: str, policy: AuthorityPolicy) -> dict[str, Any]:
        today = self.clock().astimezone(self._tz(org)).date()
        off = policy.config.disabled_playbooks
        view = self.org_playbooks.view(org, policy.config)
        return {
            "limits": tuple(
                (role, policy.per_incident(role, None), policy.daily_allowance(role))
                for role in Role
            ),
            "playbooks": tuple(
                summary(
                    p,
                    today,
                    p.id in view.own,
                    enabled=p.id not in off,
                    always_on=p.id in ALWAYS_ANSWERED,
                )
                for p in view.library
            ),
            "overdue_reviews": overdue_reviews(view, today, off),
            "settings": OrgSettings(
                currency=policy.currency,
                max_single_spend=policy.max_single_spend,
                customer_daily_cap=policy.customer_daily_cap,
                escalation_channel=policy.config.escalation_channel,
            ),
        }

    async def start_playbook(self, actor: Actor, playbook_id: str) -> Advice:
        """Open a new incident on a chosen playbook (a one-tap button), from step 1.

        The incident's situation is the playbook's title: nothing was typed. A playbook
        the organisation switched off since the button was drawn is not started.
        """
        actor = await self._current(actor)
        library = self.library_for(actor.org)
        if plain_id(playbook_id, "playbook id") not in library or self._disabled(
            actor.org, playbook_id
        ):
            raise NotFound(f"no playbook called {playbook_id!r}")
        playbook = library.get(playbook_id)
        incident = {
            "id": _new_id("in_"),
            "situation": playbook.title,
            "playbook_id": playbook.id,
            "step": 1,
            "customer_ref": None,
            "alternatives": [],
            # A safety playbook alerts managers however it was reached.
            "escalation_reasons": sorted(playbook.escalation.reasons)
            if playbook.escalation.always
            else [],
            "opened_at": self.clock().isoformat(),
        }
        await self._open_situation_escalation(actor, incident)
        await self._remember(actor, incident)
        await self._record_incident(actor, incident, ())
        metrics.ADVICE_SERVED.labels(playbook=playbook.id).inc()
        return await self._advice(actor, incident, None)

    async def _top_playbooks(self, actor: Actor, limit: int = 4) -> tuple[PlaybookUse, ...]:
        """The playbooks followed most at the actor's location (else in the whole
        organisation) lately, most used first."""
        if self.incidents is None:
            return ()
        since = self.clock() - timedelta(days=TOP_PLAYBOOK_DAYS)
        try:
            records = await self.incidents.opened_between(actor.org, since=since)
        except StorageUnavailable as exc:
            log.error("home.top_playbooks_unavailable", org=actor.org, error=exc.detail)
            return ()
        # The organisation's own people (its platform's, when the file lists them apart).
        policy = self.policies.cached(actor.org).config
        locations = policy.people(platform_of(actor.org)).locations
        here = locations.get(actor.user_id)
        library = self.library_for(actor.org)
        counts = Counter(
            r.playbook_id
            for r in records
            if (here is None or locations.get(r.user_id) == here)
            and r.playbook_id in library
            and r.playbook_id not in policy.disabled_playbooks
        )
        return tuple(
            PlaybookUse(pid, library.get(pid).title, uses)
            for pid, uses in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        )

    async def _pending_for(
        self, actor: Actor, limit: int = HOME_PENDING_LIMIT
    ) -> tuple[tuple[PendingSpend, ...], int]:
        """Spends of the last ``PENDING_LOOKBACK_DAYS`` days waiting for a manager, oldest
        first, leaving out the actor's own (nobody approves their own)."""
        since = self.clock() - timedelta(days=PENDING_LOOKBACK_DAYS)
        waiting = [
            e
            for e in await self.ledger.spends(actor.org, since=since)
            if e.status is SpendStatus.PENDING and e.user_id != actor.user_id
        ]
        shown = []
        for entry in waiting[:limit]:
            escalation = await self.escalations.for_entry(actor.org, entry.entry_id)
            shown.append(PendingSpend.of(entry, escalation.escalation_id if escalation else None))
        return tuple(shown), max(0, len(waiting) - limit)

    async def _today_figures(
        self, org: str, spends_today: list[LedgerEntry], start: datetime
    ) -> TodayFigures:
        def total(status: SpendStatus) -> list[LedgerEntry]:
            return [e for e in spends_today if e.status is status]

        approved, pending = total(SpendStatus.APPROVED), total(SpendStatus.PENDING)
        escalations = await self.escalations.list(org, since=start)
        currency = self.policies.cached(org).currency  # the organisation's, not the file's
        return TodayFigures(
            approved=Money(sum(e.amount.minor for e in approved), currency),
            approved_count=len(approved),
            pending=Money(sum(e.amount.minor for e in pending), currency),
            pending_count=len(pending),
            denied_count=len(total(SpendStatus.DENIED)),
            escalations_raised=len(escalations),
            escalations_open=sum(
                1 for e in escalations if e.status is not EscalationStatus.RESOLVED
            ),
        )

    # -- the organisation's policy --------------------------------------------------

    async def policy_for(self, org: str) -> AuthorityPolicy:
        """The organisation's policy now: limits, roles, caps, playbooks switched off."""
        return await self.policies.get(org)

    def library_for(self, org: str) -> PlaybookLibrary:
        """The organisation's playbooks: the library with its say lines, then its own
        (from its policy as last read here, as ``policies.cached``)."""
        return self.org_playbooks.view(org, self.policies.cached(org).config).library

    async def set_role_limits(
        self,
        actor: Actor,
        role: Role | str,
        per_incident: str | Decimal | None = None,
        daily: str | Decimal | None = None,
    ) -> list[PolicyChange]:
        """An admin changes a role's per-incident limit and/or daily allowance, typed as
        a spend is ("40", "£12.50", "1,200") in the organisation's currency; zero is a
        role with no authority of its own. Bad values raise ``InvalidSetting`` naming
        each (``per_incident``, ``daily``, ``role``) and change nothing."""
        if per_incident is None and daily is None:
            raise InvalidInput("say the new per-incident limit, the daily allowance, or both")
        role = _role(role)

        def edit(current: OrgConfig) -> OrgConfig:
            typed = parse_policy_amounts(
                current.currency, {"per_incident": per_incident, "daily": daily}
            )
            old = current.roles[role]
            new_per, new_daily = typed["per_incident"], typed["daily"]
            per = old.per_incident if new_per is None else new_per
            day = old.daily if new_daily is None else new_daily
            money = AuthorityPolicy(current)._money
            if new_per is not None and per > current.max_single_spend:
                ceiling = format_money(money(current.max_single_spend))
                raise InvalidSetting(
                    {
                        "per_incident": f"more than the {ceiling} most any single spend may "
                        "be — raise that ceiling first"
                    }
                )
            if per > day:
                raise InvalidSetting(
                    {
                        "per_incident" if new_per is not None else "daily": (
                            f"the per-incident limit ({format_money(money(per))}) is more than "
                            f"the daily allowance ({format_money(money(day))}): one spend "
                            "cannot be more than the whole day's"
                        )
                    }
                )
            roles = {r: limits.model_dump(mode="json") for r, limits in current.roles.items()}
            roles[role] = {"per_incident": per, "daily": day}
            return with_fields(current, roles=roles)

        return await self._change_policy(actor, edit)

    async def set_user_limits(
        self,
        actor: Actor,
        user_id: str,
        per_incident: str | Decimal | None,
        daily: str | Decimal | None,
    ) -> list[PolicyChange]:
        """An admin gives one user their own limits (above or below their role's, for
        every playbook), typed as ``set_role_limits`` reads them; both None: the user
        goes back to their role's. Bad amounts raise ``InvalidSetting`` naming each."""
        user_id = plain_id(user_id, "user id").strip()
        if not user_id:
            raise InvalidInput("a user id is needed")
        if (per_incident is None) != (daily is None):
            raise InvalidInput("a user's own limits need both the per-incident and daily amounts")

        def edit(current: OrgConfig) -> OrgConfig:
            own = {u: limits.model_dump(mode="json") for u, limits in current.user_limits.items()}
            if per_incident is None or daily is None:
                own.pop(user_id, None)
            else:
                own[user_id] = parse_policy_amounts(
                    current.currency, {"per_incident": per_incident, "daily": daily}
                )
            return with_fields(current, user_limits=own)

        return await self._change_policy(actor, edit)

    async def set_user_role(
        self, actor: Actor, user_id: str, role: Role | str
    ) -> list[PolicyChange]:
        """An admin gives a user a role (at once, in every process), in the mapping of the
        organisation's own platform (``with_user_role``)."""
        user_id = plain_id(user_id, "user id").strip()
        if not user_id:
            raise InvalidSetting({"user": "choose whose role this is"})
        chosen = _role(role)
        platform = platform_of(actor.org)
        return await self._change_policy(
            actor, lambda current: with_user_role(current, platform, user_id, chosen)
        )

    async def set_playbook_enabled(
        self, actor: Actor, playbook_id: str, enabled: bool
    ) -> list[PolicyChange]:
        """An admin switches a shipped playbook off (no longer answered) or back on.

        Never a safety playbook or ``general-recovery``: staff must always get those.
        """
        playbook_id = plain_id(playbook_id, "playbook id").strip()
        await self.policy_for(actor.org)
        if playbook_id not in self.library_for(actor.org):
            raise NotFound(f"no playbook called {playbook_id!r}")
        if not enabled and playbook_id in ALWAYS_ANSWERED:
            raise InvalidInput(
                f"{playbook_id} cannot be switched off: safety playbooks and "
                f"{FALLBACK_PLAYBOOK_ID} are always answered"
            )

        def edit(current: OrgConfig) -> OrgConfig:
            off = set(current.disabled_playbooks)
            if enabled:
                off.discard(playbook_id)
            else:
                off.add(playbook_id)
            return with_fields(current, disabled_playbooks=off)

        return await self._change_policy(actor, edit)

    async def set_org_settings(
        self,
        actor: Actor,
        *,
        max_single_spend: str | Decimal | None = None,
        customer_daily_cap: str | Decimal | None = None,
        escalation_channel: str | None = None,
    ) -> list[PolicyChange]:
        """An admin changes the organisation-wide settings, in one audited change: the
        most any single spend may be, the most one customer may receive a day (typed as
        a spend is; "" or "none": no cap) and where escalations go (the platform's
        channel id; "": the deployment's default). None leaves a setting as it is.
        Bad values raise ``InvalidSetting`` naming each; nothing changes."""
        if max_single_spend is None and customer_daily_cap is None and escalation_channel is None:
            raise InvalidInput(
                "say what to change: the single-spend ceiling, the customer cap or the "
                "escalation channel"
            )
        no_cap = isinstance(customer_daily_cap, str) and customer_daily_cap.strip().lower() in {
            "",
            "none",
            "no cap",
        }
        channel = (
            None
            if escalation_channel is None
            else plain_id(escalation_channel, "channel id").strip()
        )

        def edit(current: OrgConfig) -> OrgConfig:
            typed = parse_policy_amounts(
                current.currency,
                {
                    "max_single_spend": max_single_spend,
                    "customer_daily_cap": None if no_cap else customer_daily_cap,
                },
                positive=frozenset({"max_single_spend", "customer_daily_cap"}),
            )
            ceiling, cap = typed["max_single_spend"], typed["customer_daily_cap"]
            fields: dict[str, Any] = {}
            if ceiling is not None:
                fields["max_single_spend"] = ceiling
            if no_cap or cap is not None:
                fields["customer_daily_cap"] = cap
            if channel is not None:
                fields["escalation_channel"] = channel or None
            return with_fields(current, **fields)

        return await self._change_policy(actor, edit)

    async def import_policy(self, actor: Actor, config: OrgConfig) -> list[PolicyChange]:
        """An admin applies an organisation file on purpose: each difference is audited.
        The organisation's own playbooks and say lines stay unless the file has them."""
        protected = ALWAYS_ANSWERED & config.disabled_playbooks
        if protected:
            raise InvalidInput(f"{', '.join(sorted(protected))} cannot be switched off")
        kept = ("own_playbooks", "say_overrides")

        def edit(current: OrgConfig) -> OrgConfig:
            keep = {f: getattr(current, f) for f in kept if f not in config.model_fields_set}
            updated = with_fields(config, **keep) if keep else config
            check_playbooks(updated, self.library, self.org_playbooks.taken)  # as on import
            return updated

        return await self._change_policy(actor, edit)

    # The organisation's own playbooks and say lines (the rules: ``bot.org_playbooks``).

    async def import_playbooks(
        self, actor: Actor, playbooks: Sequence[Playbook]
    ) -> list[PolicyChange]:
        """An admin adds playbooks of the organisation's own (or replaces its own of the
        same id), matched for it from its next request, in every process."""
        return await self._change_policy(actor, adding(playbooks, self.org_playbooks.taken))

    async def set_say_line(
        self, actor: Actor, playbook_id: str, step: int, line: str | None
    ) -> list[PolicyChange]:
        """An admin sets what to say at one step (None: back to the library's line)."""
        playbook_id = plain_id(playbook_id, "playbook id").strip()
        return await self._change_policy(actor, saying(self.library, playbook_id, step, line))

    async def remove_playbook(self, actor: Actor, playbook_id: str) -> list[PolicyChange]:
        """An admin removes one of the organisation's own playbooks."""
        playbook_id = plain_id(playbook_id, "playbook id").strip()
        return await self._change_policy(actor, removing(self.library, playbook_id))

    async def _change_policy(
        self, actor: Actor, edit: Callable[[OrgConfig], OrgConfig]
    ) -> list[PolicyChange]:
        actor = await self._current(actor)
        require_admin(actor)

        def checked(current: OrgConfig) -> OrgConfig:
            # Again under the organisation's lock, on the policy as it stands: a role
            # taken away a moment ago counts.
            platform = platform_of(actor.org)
            role = AuthorityPolicy(current).role_for(actor.user_id, actor.role, platform=platform)
            require_admin(replace(actor, role=role))
            updated = edit(current)
            # The admins of the organisation's own platform (a one-platform file's bare
            # users, else its section): removing the last one would lock everyone out.
            if admins(current, platform) and not admins(updated, platform):
                raise InvalidInput(
                    "the last admin cannot be removed: make someone else admin first"
                )
            return updated

        return await self.policies.change(actor.org, checked, actor.user_id, actor.role)

    def _disabled(self, org: str, playbook_id: str) -> bool:
        return playbook_id in self.policies.cached(org).config.disabled_playbooks

    def _without_disabled(self, org: str, result: MatchResult) -> MatchResult:
        """The matcher's answer without the playbooks this organisation switched off
        (the matcher serves the whole library; this is one organisation's view of it)."""
        off = self.policies.cached(org).config.disabled_playbooks
        if not off or not any(c.playbook_id in off for c in result.ranked):
            return result
        ranked = tuple(c for c in result.ranked if c.playbook_id not in off)
        if ranked and ranked[0].playbook_id == result.ranked[0].playbook_id:
            return dataclasses.replace(result, ranked=ranked)
        # The answer itself was switched off: the general recovery steps, with what is
        # left of the ranking as the alternatives.
        rest = tuple(c for c in ranked if c.playbook_id != FALLBACK_PLAYBOOK_ID)
        fallback = Candidate(FALLBACK_PLAYBOOK_ID, 0.0)
        return dataclasses.replace(
            result, ranked=(fallback, *rest), confident=False, answered_by="fallback"
        )

    async def require_admin(self, actor: Actor) -> None:
        """Refuse anyone but an admin (their role as it stands now), before an adapter
        does work only an admin's request needs; the change itself checks again."""
        require_admin((await self._current(actor)).role)

    def require_manager(self, actor: Actor) -> None:
        if not actor.role.at_least(Role.MANAGER):
            raise NotPermitted("sorry — that is for managers and admins only")

    # -- internals -----------------------------------------------------------------

    async def _current(self, actor: Actor) -> Actor:
        """The actor with the role their organisation's policy gives them now (read
        afresh, so a role changed a moment ago counts at the next click).

        Refuses an actor of one platform in another platform's organisation, however it
        was made: decisions and escalation clicks come through here.
        """
        if actor.platform != CONSOLE and platform_of(actor.org) != actor.platform:
            raise NotPermitted(f"that organisation is not a {actor.platform} organisation")
        policy = await self.policies.get(actor.org)
        role = policy.role_for(actor.user_id, actor.role, platform=platform_of(actor.org))
        if role is actor.role:
            return actor
        return replace(actor, role=role)

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
        ttl = self.policies.cached(actor.org).config.incident_ttl_minutes * 60
        await self.state.put_incident(actor.org, actor.user_id, incident, ttl)

    async def _advice(
        self, actor: Actor, incident: dict[str, Any], result: MatchResult | None
    ) -> Advice:
        library = self.library_for(actor.org)
        playbook = library.get(incident["playbook_id"])
        index = incident["step"]
        raw_step = playbook.steps[index - 1]
        if result is not None:
            scores = {c.playbook_id: c.score for c in result.ranked}
            confidence, confident = result.confidence, result.confident
            terms = result.matched_terms
        else:  # a step the employee moved to, or a playbook they chose: no new ranking
            scores, confidence, confident, terms = {}, 1.0, True, ()
        alternatives = tuple(
            ScoredPlaybook(pid, library.get(pid).title, round(scores.get(pid, 0.0), 4))
            for pid in incident["alternatives"]
            if pid in library
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
                Gesture(
                    g.name,
                    None
                    if g.typical_cost is None
                    else self._rounded(g.typical_cost, self.policies.cached(actor.org).currency),
                )
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

    def _rounded(self, major: Decimal, currency: str) -> Money:
        # A playbook written for pounds may say "12.50"; in yen that is 13, not an error.
        step = Decimal(1).scaleb(-currency_exponent(currency))
        return Money(to_minor(major.quantize(step, ROUND_HALF_UP), currency), currency)

    async def _authority(self, actor: Actor, playbook: Playbook | None) -> Authority:
        policy = self.policies.cached(actor.org)
        per_incident = policy.per_incident(actor.role, playbook, actor.user_id)
        allowance = policy.daily_allowance(actor.role, actor.user_id)
        spent = await self.ledger.self_authorised_total(
            actor.org, actor.user_id, self._start_of_today(actor.org)
        )
        remaining = Money(max(0, allowance.minor - spent), allowance.currency)
        return Authority(actor.role, per_incident, allowance, remaining)

    async def _customer_history(self, org: str, ref: str | None) -> CustomerHistory | None:
        if not ref:
            return None
        entries = [
            e
            for e in await self.ledger.spends(
                org, since=self._start_of_today(org), customer_ref=ref
            )
            if e.status is not SpendStatus.DENIED
        ]
        total = sum(e.amount.minor for e in entries)
        return CustomerHistory(
            ref,
            Money(total, self.policies.cached(org).currency),
            tuple(
                GivenToCustomer(
                    e.user_id,
                    e.amount,
                    e.created_at.astimezone(self._tz(org)),
                    e.status is SpendStatus.PENDING,
                )
                for e in entries
            ),
        )

    def _tz(self, org: str) -> ZoneInfo:
        return ZoneInfo(self.policies.cached(org).config.timezone)

    def _start_of_today(self, org: str) -> datetime:
        tz = self._tz(org)
        local_now = self.clock().astimezone(tz)
        midnight = datetime.combine(local_now.date(), time(0), tzinfo=tz)
        return midnight.astimezone(UTC)

    def today_bounds(self, org: str) -> tuple[datetime, datetime]:
        start = self._start_of_today(org)
        return start, start + timedelta(days=1)


def is_admin(actor: Actor) -> bool:
    """Whether ``actor`` administers their organisation's policy: the admin role in it,
    or the chat platform's word that they run the workspace (``Actor.platform_admin``,
    verified by the adapter). The one place this is decided."""
    return actor.role is Role.ADMIN or actor.platform_admin


def require_admin(who: Actor | Role) -> None:
    """Refuse anyone who is not an admin (an ``Actor`` per ``is_admin``; a bare role,
    as callers of old pass it, only when it is the admin role)."""
    admin = who is Role.ADMIN if isinstance(who, Role) else is_admin(who)
    if not admin:
        raise NotPermitted("only an admin can change roles, limits, caps and playbooks")


def _role(role: Role | str) -> Role:
    """A role as chosen or typed; an unknown one is ``InvalidSetting`` on ``role``."""
    if isinstance(role, Role):
        return role
    try:
        return Role.parse(role)
    except ValueError as exc:
        raise InvalidSetting({"role": str(exc)}) from None


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
