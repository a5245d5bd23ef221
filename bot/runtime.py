"""Assemble a ready ``Coach`` from ``Settings``: the one place storage is chosen by URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.authority import AuthorityPolicy, load_org_config
from bot.clock import Clock, utcnow
from bot.coach import Coach
from bot.database import Database
from bot.escalations import open_escalations
from bot.incidents import open_incidents
from bot.ledger import open_ledger
from bot.playbooks import load_library
from bot.policy import OrgPolicies, open_policy_store
from bot.settings import Settings
from bot.state import SharedState, open_state
from bot.state.resilient import ResilientState


@asynccontextmanager
async def open_coach(
    settings: Settings, database: Database | None = None, *, clock: Clock = utcnow
) -> AsyncIterator[Coach]:
    """Load playbooks and the organisation, connect storage, and close it all afterwards.

    ``database``: the service's, when other parts of the process (the adapters' tables)
    share its connection pool; otherwise one is made from ``DATABASE_URL``. ``clock``:
    the one "now" of the coach and every store it opens. The matcher is built when
    first asked for (``Coach.matcher``): a command that logs a spend never needs it;
    the service builds it before it takes a request.
    """
    library = load_library(settings.coachbot_playbooks_dir)
    file_config = load_org_config(settings.coachbot_org_file)
    policy = AuthorityPolicy(file_config)
    # One database and one connection pool for the ledger, the escalations and the
    # incidents: their own tables, one thing for operators to back up.
    database = database or Database(settings.effective_database_url())
    ledger = open_ledger(database, clock=clock, key=settings.ledger_key())
    escalations = open_escalations(database, clock=clock)
    incidents = open_incidents(database)
    policy_store = open_policy_store(database, ledger, clock=clock)
    state: SharedState = open_state(settings.redis_url or None)
    if settings.redis_url:
        # Redis only holds short-lived state: while it is down, keep coaching and recording
        # spends on in-process state (logged as degraded) rather than failing requests.
        state = ResilientState(state)
    await ledger.open()
    try:
        await escalations.open()
        try:
            await incidents.open()
            try:
                await policy_store.open()
            except BaseException:
                await incidents.close()
                raise
            try:
                await state.open()
                try:
                    yield Coach(
                        library=library,
                        policy=policy,
                        ledger=ledger,
                        state=state,
                        escalations=escalations,
                        incidents=incidents,
                        clock=clock,
                        policies=OrgPolicies(
                            policy_store,
                            file_config,
                            whole_file=not settings.serves_many_organisations(),
                        ),
                    )
                finally:
                    await state.close()
            finally:
                await policy_store.close()
                await incidents.close()
        finally:
            await escalations.close()
    finally:
        await ledger.close()
