"""Bad input everywhere (hypothesis): the amount parser, the matcher and the HTTP
endpoints. Whatever arrives, the answer is a value or a ``CoachError`` for the person —
never another exception, never a 500, never a listener crashing after its ack.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import sqlite3
import string
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.keys import SETTINGS_KEY
from adapters.pulse import PULSE_RATE_LIMIT
from adapters.server import build_app
from bot.errors import InvalidInput
from bot.matching import PlaybookMatcher
from bot.money import parse_amount
from bot.playbooks import load_library
from tests.slack_recorder import BOT_USER_ID, TEAM_ID, Call, SlackRecorder
from tests.teams_connector import TeamsConnector
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
    # The answer scores highest; the alternatives behind it follow the matcher's own
    # order, not their scores (the complaint under an urgent answer, a doubted danger,
    # a safety answer's second choices come first), so only the answer is checked.
    scores = [c.score for c in result.ranked]
    assert not scores or scores[0] == max(scores)
    ids = [c.playbook_id for c in result.ranked]
    assert len(ids) == len(set(ids))
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


# -- malformed shapes: the ones Bolt, botbuilder and aiohttp used to answer with a 500 -----

USER = {"id": "U0FUZZ0001", "team_id": TEAM_ID}
MODAL = {
    "id": "V0FUZZ0001",
    "type": "modal",
    "callback_id": "coach_spend_modal",
    "private_metadata": "{}",
    "state": {
        "values": {
            "amount": {"amount": {"value": "£5"}},
            "reason": {"reason": {"value": "towels"}},
        }
    },
}


def _payload(obj: object) -> bytes:
    raw = obj if isinstance(obj, str) else json.dumps(obj)
    return ("payload=" + urllib.parse.quote_plus(raw)).encode()


def _actions(actions: object, **extra: object) -> bytes:
    return _payload(
        {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": USER,
            "trigger_id": "1.2.3",
            "actions": actions,
            **extra,
        }
    )


def _view(view: object) -> bytes:
    return _payload(
        {"type": "view_submission", "team": {"id": TEAM_ID}, "user": USER, "view": view}
    )


def _event(event: object) -> bytes:
    envelope = {
        "type": "event_callback",
        "team_id": TEAM_ID,
        "event_id": "Ev0FUZZ",
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        "event": event,
    }
    return json.dumps(envelope).encode()


def _spend(drop: tuple[str, ...] = (), **fields: str) -> bytes:
    """A /spend that would be recorded, less ``drop`` and with ``fields`` replaced."""
    body = dict(urllib.parse.parse_qsl(slash("/spend", "£5 towels", "U0FUZZ0001", "").decode()))
    body.update(fields)
    return urllib.parse.urlencode({k: v for k, v in body.items() if k not in drop}).encode()


def _modal_values(**values: str) -> dict[str, object]:
    return {**MODAL, "state": {"values": {k: {k: {"value": v}} for k, v in values.items()}}}


JSON = "application/json"
MALFORMED_SLACK: dict[str, tuple[bytes, str]] = {
    **{f"top-level {raw}": (raw.encode(), JSON) for raw in ["[]", "5", "null", '"x"', "1e999"]},
    **{f"payload={raw}": (_payload(raw), FORM) for raw in ["[]", "5", "null", '"x"', "{"]},
    "type is a list": (b'{"type": []}', JSON),
    "event is a string": (_event("hi"), JSON),
    "event is a list": (_event([]), JSON),
    "event without a type": (_event({"text": "hi"}), JSON),
    "message text is a list": (
        _event({"type": "message", "channel_type": "im", "user": "U0FUZZ0001", "text": ["£5"]}),
        JSON,
    ),
    "authorizations is a string": (
        json.dumps({"type": "event_callback", "authorizations": "x", "event": {}}).encode(),
        JSON,
    ),
    "integer action_id": (_actions([{"action_id": 5, "value": "x"}]), FORM),
    "list action_id": (_actions([{"action_id": ["coach_next"]}]), FORM),
    "action value is a list": (_actions([{"action_id": "esc_approve", "value": []}]), FORM),
    "actions are strings": (_actions(["coach_next"]), FORM),
    "block_actions without a user": (
        _payload(
            {
                "type": "block_actions",
                "team": {"id": TEAM_ID},
                "actions": [{"action_id": "coach_next"}],
            }
        ),
        FORM,
    ),
    "view_submission without state": (
        _view({k: v for k, v in MODAL.items() if k != "state"}),
        FORM,
    ),
    "view_submission state is a list": (_view({**MODAL, "state": []}), FORM),
    "view_submission values are a list": (_view({**MODAL, "state": {"values": []}}), FORM),
    "view_submission block is a list": (
        _view({**MODAL, "state": {"values": {"amount": []}}}),
        FORM,
    ),
    "view_submission metadata is a list": (_view({**MODAL, "private_metadata": []}), FORM),
    "view_submission metadata JSON list": (_view({**MODAL, "private_metadata": "[]"}), FORM),
    "view_submission metadata not JSON": (_view({**MODAL, "private_metadata": "{"}), FORM),
    "view_submission playbook is a list": (
        _view({**MODAL, "private_metadata": '{"playbook_id": []}'}),
        FORM,
    ),
    "view_submission NUL in the reason": (
        _view(_modal_values(amount="£5", reason="tow\x00els")),
        FORM,
    ),
    "view_submission 10,000-character customer": (
        _view(_modal_values(amount="£5", reason="towels", customer="R" * 10_000)),
        FORM,
    ),
    "command without user_id": (_spend(drop=("user_id",)), FORM),
    "command without team_id": (_spend(drop=("team_id",)), FORM),
    "command with a NUL in the text": (_spend(text="£5 tow\x00els"), FORM),
    "command with an escape sequence": (_spend(text="£5 towels \x1b[2J"), FORM),
    "command with a NUL in the user id": (_spend(user_id="U0\x00FUZZ"), FORM),
    "command with a 10,000-character room": (_spend(text="£5 towels, room " + "9" * 10_000), FORM),
    "command text not UTF-8": (_spend().replace(b"text=", b"text=%FF%FE"), FORM),
    "body not UTF-8": (b"command=/spend&text=\xff\xfe", FORM),
    "JSON not UTF-8": (b'{"type": "\xff"}', JSON),
}


def recorded(client: TestClient) -> int:
    """Spends, incidents and escalations in the service's database (SQLite here)."""
    url = client.server.app[SETTINGS_KEY].effective_database_url()
    with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
        tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
        return sum(
            db.execute(f'select count(*) from "{t}"').fetchone()[0]
            for t in ("ledger_events", "incidents", "escalations", "incident_feedback")
            if t in tables
        )


@pytest.mark.parametrize("signed_by_slack", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("shape", list(MALFORMED_SLACK))
async def test_malformed_slack_requests_get_a_4xx_or_a_refusal_and_record_nothing(
    client: TestClient,
    recorder: SlackRecorder,
    errors: Errors,
    shape: str,
    signed_by_slack: bool,
) -> None:
    body, content_type = MALFORMED_SLACK[shape]
    headers = (
        signed(body, content_type)
        if signed_by_slack
        else {**signed(body, content_type), "X-Slack-Signature": "v0=" + "0" * 64}
    )
    resp = await client.post("/slack/events", data=body, headers=headers)
    answer = await resp.text()
    assert resp.status < 500, (shape, resp.status, answer)
    if not signed_by_slack:
        assert resp.status in {400, 401}, (shape, resp.status)  # never dispatched
    elif resp.status == 200:  # dispatched, and refused politely (in the ack or the modal)
        ack = json.loads(answer)
        assert "errors" in ack or "⚠" in Call("ack", ack, "", {}).all_text, (shape, answer)
    await asyncio.sleep(0.2)  # anything a listener does after its ack
    assert recorded(client) == 0, shape
    assert not [c for c in recorder.calls if c.method == "chat.postMessage"], shape
    assert errors.records == [], [r.getMessage() for r in errors.records]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("400-digit timestamp", {"X-Slack-Request-Timestamp": "9" * 400}),
        ("negative timestamp", {"X-Slack-Request-Timestamp": "-5"}),
        ("non-ASCII signature", {"X-Slack-Signature": "v0=" + "ü" * 64}),
        ("empty signature", {"X-Slack-Signature": ""}),
    ],
)
async def test_malformed_signature_headers_are_unsigned_requests(
    client: TestClient, name: str, value: dict[str, str]
) -> None:
    body = _spend()
    resp = await client.post("/slack/events", data=body, headers={**signed(body, FORM), **value})
    assert resp.status == 401, name
    assert recorded(client) == 0


@given(
    value=json_values,
    as_payload=st.booleans(),
    sign_it=st.booleans(),
)
@FUZZ
async def test_any_json_value_as_a_slack_body_never_500(
    client: TestClient, value: object, as_payload: bool, sign_it: bool
) -> None:
    body = _payload(value) if as_payload else json.dumps(value).encode()
    content_type = FORM if as_payload else JSON
    headers = signed(body, content_type)
    if not sign_it:
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    resp = await client.post("/slack/events", data=body, headers=headers)
    await resp.read()
    assert resp.status < 500, (value, resp.status)
    if not sign_it:
        assert resp.status in {400, 401, 404}


# A request Slack would send, with one field anywhere in it replaced by any JSON value.
TEMPLATES: dict[str, dict[str, object]] = {
    "block_actions": {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": dict(USER),
        "trigger_id": "1.2.3",
        "container": {"channel_id": "D0FUZZ"},
        "actions": [{"action_id": "coach_next", "value": "in_x", "type": "button"}],
    },
    "view_submission": {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": dict(USER),
        "view": json.loads(json.dumps(_modal_values(amount="£5", reason="towels"))),
    },
    "event_callback": json.loads(
        _event(
            {
                "type": "message",
                "channel_type": "im",
                "user": "U0FUZZ0001",
                "text": "hi",
                "channel": "D0FUZZ",
                "ts": "1.1",
            }
        )
    ),
}


def _paths(value: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found: list[tuple[object, ...]] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


def _replaced(template: object, path: tuple[object, ...], new: object) -> object:
    copy = json.loads(json.dumps(template))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


@given(data=st.data(), kind=st.sampled_from(list(TEMPLATES)), sign_it=st.booleans())
@FUZZ
async def test_any_field_of_a_slack_payload_replaced_by_anything_never_500(
    client: TestClient,
    recorder: SlackRecorder,
    errors: Errors,
    data: st.DataObject,
    kind: str,
    sign_it: bool,
) -> None:
    errors.records.clear()  # the fixture lives across examples
    template = {**TEMPLATES[kind], "response_url": recorder.response_url("fuzz")}
    path = data.draw(st.sampled_from(_paths(template)), label="path")
    body_value = _replaced(template, path, data.draw(json_values, label="value"))
    if kind == "event_callback":
        body, content_type = json.dumps(body_value).encode(), JSON
    else:
        body, content_type = _payload(body_value), FORM
    headers = signed(body, content_type)
    if not sign_it:
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    resp = await client.post("/slack/events", data=body, headers=headers)
    await resp.read()
    assert resp.status < 500, (path, body_value, resp.status)
    await asyncio.sleep(0.1)
    assert errors.records == [], [r.getMessage() for r in errors.records]


@given(
    timestamp=st.integers(min_value=-(10**500), max_value=10**500).map(str)
    | st.text(alphabet=string.digits, max_size=600),
    signature=st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=80
    ),
)
@FUZZ
async def test_any_timestamp_or_signature_header_never_500(
    client: TestClient, timestamp: str, signature: str
) -> None:
    body = _spend()
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    resp = await client.post("/slack/events", data=body, headers=headers)
    await resp.read()
    assert resp.status == 401, (timestamp, signature, resp.status)


@given(
    body=st.binary(max_size=300)
    | st.sampled_from([b"answer=yes&note=\xff\xfe", b"\xff\xfe\x00", b"--x\r\nbroken"]),
    content_type=st.sampled_from(
        [
            FORM,
            f"{FORM}; charset=nope",
            f"{FORM}; charset=utf-16",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "text/plain",
            JSON,
        ]
    ),
    code=st.sampled_from(["abcd2345", "%FF", "%00", "x" * 300]),
)
# Fewer than the page's rate limit per address (all examples come from 127.0.0.1).
@settings(FUZZ, max_examples=PULSE_RATE_LIMIT - 2)
async def test_any_body_posted_to_a_pulse_page_never_500(
    client: TestClient, body: bytes, content_type: str, code: str
) -> None:
    resp = await client.post(f"/pulse/{code}", data=body, headers={"Content-Type": content_type})
    await resp.read()
    assert resp.status in {400, 404}, (body, content_type, code, resp.status)
    assert recorded(client) == 0


TEAMS_MESSAGE: dict[str, object] = {
    "type": "message",
    "id": "a1",
    "channelId": "msteams",
    "from": {"id": "29:fuzz", "aadObjectId": "aad-fuzz"},
    "recipient": {"id": "28:bot"},
    "conversation": {"id": "c1", "tenantId": "tenant-fuzz", "conversationType": "personal"},
    "channelData": {"tenant": {"id": "tenant-fuzz"}},
    "text": "spend £5 towels",
}


@given(data=st.data())
@FUZZ
async def test_any_field_of_a_teams_activity_replaced_by_anything_never_500(
    client: TestClient, connector: TeamsConnector, errors: Errors, data: st.DataObject
) -> None:
    template = {**TEAMS_MESSAGE, "serviceUrl": connector.service_url}
    path = data.draw(st.sampled_from(_paths(template)), label="path")
    activity = _replaced(template, path, data.draw(json_values, label="value"))
    resp = await client.post("/api/messages", json=activity)
    await resp.read()
    assert resp.status < 500, (path, activity, resp.status)
