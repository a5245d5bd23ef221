"""What a storage outage says, and to whom.

A person in Slack or Teams sees ``str(StorageUnavailable)``: plain words, that nothing
was recorded and to try again, never a host, URL or driver message. The operator (the
CLI, the logs) gets ``detail``: which store, its URL with the password masked, and the
driver's one-line reason. Nothing here needs a running server: port 1 refuses at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import pickle
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from structlog.testing import capture_logs

from bot.database import Database, unavailable
from bot.errors import StorageUnavailable
from bot.escalations.sql import SqlEscalationStore
from bot.incidents import SqlIncidentStore
from bot.ledger.sql import SqlSpendLedger
from bot.outbox import EscalationMonitor, OutboxWorker
from bot.outcomes import OutcomePrompter

DEAD_PG = "postgresql://coach:s3cret@127.0.0.1:1/nope"
MASKED_PG = "postgresql://coach:***@127.0.0.1:1/nope"
TRY_AGAIN = "unavailable right now, so nothing was recorded. Please try again in a minute."

# Whatever the person must never see: where the database is, and what the driver said.
NOT_FOR_STAFF = (
    "127.0.0.1",
    ":1",
    "nope",
    "://",
    "postgres",
    "s3cret",
    "***",
    "database",
    "Errno",
    "Connect call",
    "refused",
    "(",
)


def assert_staff_text(message: str) -> None:
    for leak in NOT_FOR_STAFF:
        assert leak not in message, f"{leak!r} shown to staff: {message!r}"
    assert "nothing was recorded" in message and "try again" in message
    assert "\n" not in message and len(message) < 120


# ---- the error itself -------------------------------------------------------------------


def test_detail_defaults_to_the_message() -> None:
    exc = StorageUnavailable("the ledger could not record this after several attempts")
    assert exc.detail == str(exc) == "the ledger could not record this after several attempts"


def test_detail_survives_pickling() -> None:
    exc = StorageUnavailable("staff text", detail="operator text")
    again = pickle.loads(pickle.dumps(exc))
    assert isinstance(again, StorageUnavailable)
    assert (str(again), again.detail) == ("staff text", "operator text")


# ---- every SQL store, on a database that refuses connections ---------------------------


STORES: list[tuple[Callable[[str], Any], str, str]] = [
    (SqlSpendLedger, "spend ledger", "The spend ledger is "),
    (SqlEscalationStore, "escalation", "Escalations are "),
    (SqlIncidentStore, "incident", "Incident records are "),
]


@pytest.mark.parametrize(("make", "what", "subject"), STORES, ids=[s[1] for s in STORES])
async def test_an_outage_tells_staff_only_to_try_again(
    make: Callable[[str], Any], what: str, subject: str
) -> None:
    store = make(DEAD_PG)
    with pytest.raises(StorageUnavailable) as caught:
        await store.open()
    staff = str(caught.value)
    assert staff == subject + TRY_AGAIN
    assert_staff_text(staff)


@pytest.mark.parametrize(("make", "what", "subject"), STORES, ids=[s[1] for s in STORES])
async def test_an_outage_tells_the_operator_which_store_where_and_why(
    make: Callable[[str], Any], what: str, subject: str
) -> None:
    store = make(DEAD_PG)
    with pytest.raises(StorageUnavailable) as caught:
        await store.open()
    detail = caught.value.detail
    assert detail.startswith(f"the {what} database is unavailable ({MASKED_PG}): ")
    reason = detail.removeprefix(f"the {what} database is unavailable ({MASKED_PG}): ")
    assert reason  # the driver's own words, e.g. "[Errno 111] Connect call failed …"
    assert "s3cret" not in detail
    assert "\n" not in detail and len(detail) < 300


def test_other_stores_get_plain_words_and_a_named_detail() -> None:
    cause = OSError("[Errno 111] Connect call failed ('10.0.0.7', 5432)\nmore driver text")
    exc = unavailable(cause, "Slack installation", "postgresql://coach:***@10.0.0.7:5432/coach")
    assert str(exc) == "The coach's records are " + TRY_AGAIN
    assert exc.detail == (
        "the Slack installation database is unavailable "
        "(postgresql://coach:***@10.0.0.7:5432/coach): "
        "[Errno 111] Connect call failed ('10.0.0.7', 5432)"
    )


# ---- background loops log the operator's detail ----------------------------------------


class _Platform:
    platform = "slack"

    async def deliver(self, *_: object) -> None:  # never reached: the store is down
        raise AssertionError("delivered during an outage")


@pytest.fixture
async def dead_database() -> AsyncIterator[Database]:
    database = Database(DEAD_PG)
    await database.open()  # creates the engine only; nothing connects yet
    yield database
    await database.close()


def _loops(database: Database) -> dict[str, Callable[[asyncio.Event], Awaitable[None]]]:
    escalations = SqlEscalationStore(database)
    incidents = SqlIncidentStore(database)
    return {
        "outbox.storage_unavailable": OutboxWorker(
            escalations,
            _Platform(),  # type: ignore[arg-type]
            poll_interval=0.01,
        ).run_forever,
        "monitor.storage_unavailable": EscalationMonitor(
            escalations, renotify_after=timedelta(minutes=10), poll_interval=0.01
        ).run_forever,
        "outcomes.storage_unavailable": OutcomePrompter(
            incidents, quiet=timedelta(minutes=30), poll_interval=0.01
        ).run_forever,
    }


@pytest.mark.parametrize(
    "event",
    ["outbox.storage_unavailable", "monitor.storage_unavailable", "outcomes.storage_unavailable"],
)
async def test_background_loops_log_where_the_database_is(
    dead_database: Database, event: str
) -> None:
    stop = asyncio.Event()
    with capture_logs() as logs:
        task = asyncio.create_task(_loops(dead_database)[event](stop))
        try:
            for _ in range(500):
                if any(e["event"] == event for e in logs):
                    break
                await asyncio.sleep(0.01)
        finally:
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 5)
    (logged, *_) = [e for e in logs if e["event"] == event]
    assert MASKED_PG in logged["error"]
    assert "database is unavailable" in logged["error"]
    assert "s3cret" not in logged["error"]
