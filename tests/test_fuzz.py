"""Bad input everywhere (hypothesis): the amount parser, the matcher and the HTTP
endpoints. Whatever arrives, the answer is a value or a ``CoachError`` for the person —
never another exception, never a 500, never a listener crashing after its ack.
"""

from __future__ import annotations

import functools
import json
import logging
import string
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.server import build_app
from bot.errors import InvalidInput
from bot.matching import PlaybookMatcher
from bot.money import parse_amount
from bot.playbooks import load_library
from tests.slack_recorder import BOT_USER_ID, TEAM_ID, Call, SlackRecorder
from tests.test_faults import FORM, settings_for, signed, slash

SORRY = "something went wrong on my side"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text shaped like what staff type: currency signs, digits, separators, codes and words,
# mixed with anything at all.
amountish = st.one_of(
    st.text(max_size=60),
    st.from_regex(
        r"[£$€¥]?\s?[-+]?[0-9]{0,12}([.,' ][0-9]{0,4}){0,3}\s?(GBP|EUR|USD|JPY|XXX|gbp|k|m)?"
        r"\s?[a-z ,]{0,20}",
        fullmatch=True,
    ),
    st.builds(
        lambda n, sep, tail: f"{n:,}".replace(",", sep) + tail,
        st.integers(min_value=-(10**15), max_value=10**15),
        st.sampled_from([",", ".", " ", "'", ""]),
        st.sampled_from(["", " dry cleaning", " GBP flowers", "€ taxi", ".5.5 x", "e10 nan"]),
    ),
)


@given(text=amountish, currency=st.sampled_from(["GBP", "EUR", "USD", "JPY"]))
@FUZZ
def test_amount_parser_returns_money_or_a_clear_refusal(text: str, currency: str) -> None:
    try:
        money, rest = parse_amount(text, currency, max_minor=10**9)
    except InvalidInput as exc:
        refusal = str(exc).strip()
        assert refusal, "a refusal must say something to the person"
        return
    assert isinstance(money.minor, int) and 0 < money.minor <= 10**9
    assert money.currency == currency and isinstance(rest, str)


@given(
    pence=st.integers(min_value=1, max_value=999_999_99),
    style=st.sampled_from(["£{:,.2f} dry cleaning", "{:.2f} GBP dry cleaning", "£{:.2f}"]),
)
@FUZZ
def test_amounts_typed_the_usual_ways_are_exact(pence: int, style: str) -> None:
    text = style.format(Decimal(pence) / 100)
    money, _ = parse_amount(text, "GBP", max_minor=10**12)
    assert money.minor == pence, text


@functools.cache
def matcher() -> PlaybookMatcher:
    return PlaybookMatcher(load_library())


situations = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                "guest",
                "furious",
                "washer",
                "broken",
                "refund",
                "lawyer",
                "fire",
                "cold",
                "food",
                "review",
                "cancel",
                "vip",
                "the",
                "a",
                "is",
                "not",
                "ok",
                "???",
                "!!!",
                "🙂",
                "£48",
                "room",
                "214",
                "ignore",
                "previous",
                "instructions",
            ]
        ),
        max_size=40,
    ).map(" ".join),
    st.text(alphabet=string.printable, min_size=2000, max_size=5000),
)


@given(text=situations)
@FUZZ
def test_the_matcher_answers_anything_without_raising(text: str) -> None:
    result = matcher().match(text)
    assert 0.0 <= result.confidence <= 1.0
    scores = [c.score for c in result.ranked]
    assert scores == sorted(scores, reverse=True)
    if result.confident:
        assert result.meaningful and result.ranked


# -- HTTP ---------------------------------------------------------------------------------


class Errors(logging.Handler):
    """Every ERROR record from the adapters and Bolt: a listener crash shows up here."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("adapters", "slack_bolt", "coachbot", "aiohttp")):
            self.records.append(record)


@pytest.fixture
def errors() -> Iterator[Errors]:
    handler = Errors()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


@pytest.fixture
async def recorder() -> AsyncIterator[SlackRecorder]:
    rec = SlackRecorder()
    await rec.start()
    yield rec
    await rec.stop()


@pytest.fixture
async def client(tmp_path: Path, recorder: SlackRecorder) -> AsyncIterator[TestClient]:
    settings_ = settings_for(tmp_path, recorder, f"sqlite:///{tmp_path / 'coach.db'}", "")
    async with TestClient(TestServer(build_app(settings_))) as c:
        yield c


# What an HTTP client can put in a header at all (no control characters).
header_text = st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + " ")
junk_headers = st.fixed_dictionaries(
    {},
    optional={
        "Content-Type": st.sampled_from([FORM, "application/json", "text/plain"]) | header_text,
        "X-Slack-Signature": header_text,
        # Digits only: a non-numeric timestamp is a known adapter fault, tested below.
        "X-Slack-Request-Timestamp": st.integers(0, 2**40).map(str),
        "X-Slack-Retry-Num": header_text,
        "Authorization": header_text,
        "X-Request-Id": header_text,
    },
)


@given(
    path=st.sampled_from(["/slack/events", "/api/messages", "/healthz", "/readyz", "/metrics"]),
    method=st.sampled_from(["GET", "POST", "PUT"]),
    body=st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(str.encode)),
    headers=junk_headers,
)
@FUZZ
async def test_no_request_gets_a_500(
    client: TestClient, path: str, method: str, body: bytes, headers: dict[str, str]
) -> None:
    resp = await client.request(method, path, data=body, headers=headers)
    await resp.read()
    assert resp.status < 500, (path, resp.status)


@pytest.mark.parametrize("timestamp", ["", "soon", "1.5"])
async def test_a_malformed_slack_timestamp_is_refused_not_a_500(
    client: TestClient, timestamp: str
) -> None:
    body = b"command=%2Fcoach&text=hi"
    headers = {**signed(body, FORM), "X-Slack-Request-Timestamp": timestamp}
    resp = await client.post("/slack/events", data=body, headers=headers)
    assert resp.status == 401


@given(
    command=st.sampled_from(
        ["/coach", "/spend", "/cx-report", "/cx-audit", "/cx-limits", "/cx-pending"]
    ),
    text=st.one_of(st.text(max_size=200), amountish),
    user=st.sampled_from(["U0FUZZ0001", "U0MANAGER1", "W0FUZZ0002"]),
)
@FUZZ
async def test_signed_commands_with_any_text_get_an_answer_not_a_crash(
    client: TestClient,
    recorder: SlackRecorder,
    errors: Errors,
    command: str,
    text: str,
    user: str,
) -> None:
    name = f"f{len(recorder.calls)}-{abs(hash((command, text, user)))}"
    body = slash(command, text, user, recorder.response_url(name))
    resp = await client.post("/slack/events", data=body, headers=signed(body, FORM))
    assert resp.status == 200
    if acked := await resp.text():  # answered in the ack
        shown = Call("ack", json.loads(acked), "", {}).all_text
    else:
        (reply,) = await recorder.wait_for(lambda c: c.path == f"/respond/{name}", within=15)
        shown = reply.all_text
    assert SORRY not in shown.lower(), (command, text, shown)
    assert errors.records == [], [r.getMessage() for r in errors.records]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


# Payloads shaped as Slack sends them (lists where Slack puts lists), with any content.
action = st.fixed_dictionaries(
    {
        "action_id": st.sampled_from(
            [
                "coach_next",
                "coach_spend",
                "coach_escalate",
                "coach_other",
                "coach_choose_1",
                "esc_approve",
                "esc_acknowledge",
                "nope",
            ]
        )
        | st.text(max_size=20)
    },
    optional={
        "value": st.text(max_size=40),
        "type": st.just("button"),
        "block_id": st.text(max_size=10),
    },
)
view = st.fixed_dictionaries(
    {
        "callback_id": st.sampled_from(["coach_spend_modal", "other"]),
        "state": st.fixed_dictionaries(
            {
                "values": st.dictionaries(
                    st.sampled_from(["amount", "reason", "customer"]),
                    st.dictionaries(
                        st.sampled_from(["amount", "reason", "customer"]),
                        st.fixed_dictionaries({"value": st.none() | st.text(max_size=40)}),
                        max_size=1,
                    ),
                )
            }
        ),
    },
    optional={
        "private_metadata": st.text(max_size=40) | st.just('{"playbook_id": "x"}'),
        "id": st.text(max_size=10),
    },
)


@given(
    kind=st.sampled_from(["block_actions", "view_submission", "shortcut", "message_action"]),
    actions=st.lists(action, min_size=1, max_size=2),
    view=view,
    extra=st.dictionaries(
        st.sampled_from(["trigger_id", "response_url", "callback_id"]),
        st.text(max_size=30),
        max_size=3,
    ),
)
@FUZZ
async def test_signed_interactive_payloads_never_500(
    client: TestClient,
    kind: str,
    actions: list[dict[str, object]],
    view: dict[str, object],
    extra: dict[str, str],
) -> None:
    payload = {
        "type": kind,
        "team": {"id": TEAM_ID},
        "user": {"id": "U0FUZZ0001", "team_id": TEAM_ID},
        "actions": actions,
        "view": view,
        **extra,
    }
    body = ("payload=" + urllib.parse.quote_plus(json.dumps(payload))).encode()
    resp = await client.post("/slack/events", data=body, headers=signed(body, FORM))
    assert resp.status < 500


@pytest.mark.parametrize("actions", [None, []])
async def test_a_payload_without_actions_is_refused_not_a_500(
    client: TestClient, actions: list[object] | None
) -> None:
    payload = {"type": "block_actions", "team": {"id": TEAM_ID}, "actions": actions}
    body = ("payload=" + urllib.parse.quote_plus(json.dumps(payload))).encode()
    resp = await client.post("/slack/events", data=body, headers=signed(body, FORM))
    assert resp.status < 500


@given(
    event=st.fixed_dictionaries(
        {"type": st.sampled_from(["message", "app_mention", "reaction_added", "weird"])},
        optional={
            "text": st.text(max_size=200),
            "user": st.sampled_from(["U0FUZZ0001", "", BOT_USER_ID]),
            "channel": st.text(max_size=12),
            "ts": st.text(max_size=20),
            "channel_type": st.sampled_from(["im", "channel", "group"]),
            "subtype": st.sampled_from(["bot_message", "message_changed"]),
            "blocks": json_values,
        },
    ),
    event_id=st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=20),
)
@FUZZ
async def test_signed_events_of_any_shape_never_500(
    client: TestClient, event: dict[str, object], event_id: str
) -> None:
    envelope = {
        "type": "event_callback",
        "team_id": TEAM_ID,
        "api_app_id": "A0FUZZAPP1",
        "event_id": f"Ev{event_id}",
        "event_time": 1769300000,
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        "event": event,
    }
    body = json.dumps(envelope).encode()
    resp = await client.post("/slack/events", data=body, headers=signed(body, "application/json"))
    assert resp.status < 500
