"""Replies to ``response_url`` over the service's one HTTP session.

Bolt's ``respond()`` builds a new ``AsyncWebhookClient`` for each reply, and without a
session that client opens a new aiohttp session, so every reply to a /coach pays for a
fresh TCP (and, against Slack, TLS) connection. A busy service answers hundreds of
requests a second to the same host, so the replies here reuse the pooled session the
Web API client also uses. The message is built exactly as Bolt builds it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import ClientSession
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_bolt.response import BoltResponse
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient


class PooledRespond(AsyncRespond):
    """``respond()`` as Bolt offers it, sending over a shared ``ClientSession``."""

    def __init__(self, *, response_url: str | None, session: ClientSession) -> None:
        super().__init__(response_url=response_url)
        self.session = session

    async def __call__(  # type: ignore[override]  # same parameters, Bolt's are untyped
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[Any] | None = None,
        **fields: Any,
    ) -> WebhookResponse:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        if isinstance(text, dict):
            message = _build_message(**text)
        else:
            message = _build_message(text=text, blocks=blocks, **fields)
        client = AsyncWebhookClient(url=self.response_url, session=self.session)
        return await client.send_dict(message)


def pooled_respond(
    session_of: Callable[[], ClientSession | None],
) -> Callable[[AsyncBoltContext, Callable[[], Awaitable[BoltResponse]]], Awaitable[Any]]:
    """A Bolt global middleware putting a ``PooledRespond`` where listeners find ``respond``.

    ``session_of`` gives the session of the running service (None before start-up or
    after shutdown, when Bolt's own ``respond`` is left in place).
    """

    async def middleware(
        context: AsyncBoltContext, next: Callable[[], Awaitable[BoltResponse]]
    ) -> Any:
        session = session_of()
        if context.response_url and session is not None and not session.closed:
            context["respond"] = PooledRespond(response_url=context.response_url, session=session)
        return await next()

    return middleware
