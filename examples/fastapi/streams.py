"""How the app writes a generator's tokens as a streamed response: NDJSON or server-sent
events, with keep-alives while the generator is silent, an error item when it fails, and its
clean-up run (closing a model connection) however the reply ends. Part of the chatwire FastAPI
backend example (see app.py)."""

import asyncio
import json
import logging
import time
from typing import Any, AsyncIterator, Callable, Dict, Optional

import anyio
from fastapi.responses import StreamingResponse
from guard import Receive, Scope, Send

logger = logging.getLogger("chatwire.backend")

#: What the error item tells the server. Deliberately vague: internals stay in the log here.
ERROR_TEXT = "the reply could not be completed"

#: Media type of each stream format.
MEDIA_TYPES = {"ndjson": "application/x-ndjson", "sse": "text/event-stream"}

#: Keep proxies (nginx and the like) from buffering the stream, which would undo the streaming.
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

#: The longest the app waits for a generator to clean up (close its model connection, say).
CLOSE_TIMEOUT_SECONDS = 5.0


class StreamFailed(Exception):
    """Marks where a generator failed, so the encoders can write their error item."""


async def reported(tokens: AsyncIterator[str]) -> AsyncIterator[str]:
    """The generator's tokens; a failure is logged here and re-raised as `StreamFailed`.

    Empty pieces are skipped: they would be frames with nothing in them. Anything but text
    (a number, bytes, None) is a bug in the generator, failed like an exception rather than
    sent on as something the widget would show as "42" or "b'...'". Cancellation (the server
    hung up, the user went away) is not an error and passes through untouched.
    """
    try:
        async for token in tokens:
            if not isinstance(token, str):
                kind = type(token).__name__
                raise TypeError(f"the token generator yielded a value of type {kind}, not str")
            if token:
                yield token
    except Exception as error:
        logger.exception("the token generator failed mid-stream")
        raise StreamFailed() from error
    finally:
        await _close(tokens)


async def with_keepalives(
    tokens: AsyncIterator[str], every: Optional[float], give_up_after: Optional[float]
) -> AsyncIterator[Optional[str]]:
    """The tokens, with a None (a keep-alive due) each time `every` seconds pass without one,
    and `StreamFailed` once `give_up_after` seconds pass without one (keep-alives on only).

    Each next token is awaited in a task of its own, so that waiting can time out without
    cancelling the generator; when the reply ends early, that task is cancelled and awaited,
    so the generator's own clean-up (closing its model connection) runs before the request ends.
    """
    iterator = tokens.__aiter__()
    pending: Optional["asyncio.Task[str]"] = None
    silent_since = time.monotonic()
    try:
        while True:
            if pending is None:
                pending = asyncio.create_task(_next_of(iterator))
                silent_since = time.monotonic()
            done, _ = await asyncio.wait({pending}, timeout=every)
            if not done:
                silence = time.monotonic() - silent_since
                if give_up_after is not None and silence >= give_up_after:
                    logger.error("the token generator was silent for %.1f s: reply failed", silence)
                    raise StreamFailed()
                yield None
                continue
            finished, pending = pending, None
            try:
                token = finished.result()
            except StopAsyncIteration:
                return
            yield token
    finally:
        if pending is not None:
            pending.cancel()
            with anyio.move_on_after(CLOSE_TIMEOUT_SECONDS, shield=True):
                await asyncio.wait({pending})
        await _close(tokens)


async def _next_of(iterator: AsyncIterator[str]) -> str:
    return await iterator.__anext__()


async def _close(iterator: Any) -> None:
    """Closes an async generator now, its `finally` blocks run, even in a cancelled request.

    Shielded: once the client has gone, anyio cancels every await in the request again, and
    the generator's clean-up would stop at its first one. Bounded by `CLOSE_TIMEOUT_SECONDS`.
    """
    close = getattr(iterator, "aclose", None)
    if close is None:
        return
    with anyio.move_on_after(CLOSE_TIMEOUT_SECONDS, shield=True):
        try:
            await close()
        except RuntimeError:  # Still running: its clean-up did not finish in time.
            logger.warning("a token generator could not be closed", exc_info=True)


class ClosingStreamingResponse(StreamingResponse):
    """A `StreamingResponse` that closes its body when it ends, however it ends.

    When the client hangs up mid-reply, Starlette stops iterating the body but leaves closing
    it to the garbage collector, some time later; closed here, the generators' `finally`
    blocks (the one closing the model connection among them) run before the request is over.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await _close(self.body_iterator)


async def _ndjson(items: AsyncIterator[Optional[str]]) -> AsyncIterator[str]:
    """One JSON object per line: `{"token": ...}`, or `{"error": ...}` when the reply fails. A
    keep-alive is a blank line, which NDJSON readers (the reference server's too) skip."""
    try:
        async for item in items:
            yield "\n" if item is None else json.dumps({"token": item}, ensure_ascii=False) + "\n"
    except StreamFailed:
        yield json.dumps({"error": ERROR_TEXT}) + "\n"
    finally:
        await _close(items)


async def _sse(items: AsyncIterator[Optional[str]]) -> AsyncIterator[str]:
    """Server-sent events: `data: {"token": ...}` each, then `data: [DONE]`, or on a failure
    an `error` event instead of the `[DONE]`. A keep-alive is a comment, `: keep-alive`."""
    try:
        async for item in items:
            if item is None:
                yield ": keep-alive\n\n"
            else:
                yield f"data: {json.dumps({'token': item}, ensure_ascii=False)}\n\n"
    except StreamFailed:
        yield f"event: error\ndata: {json.dumps({'error': ERROR_TEXT})}\n\n"
        return
    finally:
        await _close(items)
    yield "data: [DONE]\n\n"


#: How each stream format writes the tokens.
ENCODERS: Dict[str, Callable[[AsyncIterator[Optional[str]]], AsyncIterator[str]]] = {
    "ndjson": _ndjson,
    "sse": _sse,
}
