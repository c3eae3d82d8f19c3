"""A FastAPI backend for chatwire: the "FastAPI" part of widget → WebSocket server → FastAPI.

The chatwire reference server (`npm run server` with `CHATWIRE_UPSTREAM_URL` pointing at
`POST /chat` here) forwards each chat message with the user it verified from the JWT, and
streams this app's answer back to the widget token by token. Run it with:

    python3 -m uvicorn app:app --app-dir examples/fastapi --port 8000

Environment:
- `CHATWIRE_STREAM_FORMAT`: `ndjson` (default; one `{"token": "..."}` per line) or `sse`
  (server-sent events, `data: {"token": "..."}`, ending with `data: [DONE]`).
- `CHATWIRE_BACKEND_TOKEN`: when set, `POST /chat` needs `Authorization: Bearer <it>`; give the
  reference server `CHATWIRE_UPSTREAM_AUTHORIZATION="Bearer <it>"`. The user in a request is
  only as trustworthy as whoever may send it: set this wherever others can reach the port.
- Where the tokens come from: see `generators.generator_from_env` (an echo by default, or an
  OpenAI-compatible API with `OPENAI_BASE_URL` and `OPENAI_MODEL`).

A generator that fails part-way is logged here and reported to the server as an error item
(`{"error": ...}` in NDJSON, `event: error` in SSE), so the widget shows the reply as
interrupted rather than as a complete answer that just stops.
"""

import hmac
import json
import logging
import os
from typing import AsyncIterator, Callable, Dict, Optional

from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.responses import StreamingResponse
from generators import TokenGenerator, generator_from_env
from models import ChatRequest

logger = logging.getLogger("chatwire.backend")

#: What the error item tells the server. Deliberately vague: internals stay in the log here.
ERROR_TEXT = "the reply could not be completed"

#: Media type of each stream format.
MEDIA_TYPES = {"ndjson": "application/x-ndjson", "sse": "text/event-stream"}

#: Keep proxies (nginx and the like) from buffering the stream, which would undo the streaming.
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def create_app(
    generator: Optional[TokenGenerator] = None,
    *,
    stream_format: Optional[str] = None,
    backend_token: Optional[str] = None,
) -> FastAPI:
    """Builds the app. Unset arguments come from the environment (see the module docstring).

    `generator` answers each chat; by default `generator_from_env()` picks one. Tests and apps
    pass their own: any async generator function taking a `ChatRequest` and yielding text.
    """
    tokens_for = generator or generator_from_env()
    chosen_format = _stream_format(stream_format)
    require_token = _bearer_check(_backend_token(backend_token))
    encode = _ENCODERS[chosen_format]

    app = FastAPI(title="chatwire FastAPI backend example")

    @app.get("/health")
    async def health() -> dict:
        """Says the app is up, for load balancers and for scripts waiting for it to start."""
        return {"status": "ok", "streamFormat": chosen_format}

    @app.post("/chat", dependencies=[Depends(require_token)])
    async def chat(request: ChatRequest) -> StreamingResponse:
        """Answers one chat message as a stream of tokens, in the chosen format."""
        tokens = _reported(tokens_for(request))
        return StreamingResponse(
            encode(tokens), media_type=MEDIA_TYPES[chosen_format], headers=STREAM_HEADERS
        )

    return app


def _stream_format(given: Optional[str]) -> str:
    """The stream format asked for, checked at startup rather than on the first chat."""
    value = (given or os.environ.get("CHATWIRE_STREAM_FORMAT") or "ndjson").strip().lower()
    if value not in MEDIA_TYPES:
        raise ValueError(f"CHATWIRE_STREAM_FORMAT must be 'ndjson' or 'sse', got {value!r}.")
    return value


def _backend_token(given: Optional[str]) -> Optional[str]:
    """The shared secret the WebSocket server must present, or None (with a warning)."""
    token = given if given is not None else os.environ.get("CHATWIRE_BACKEND_TOKEN", "").strip()
    if not token:
        logger.warning(
            "CHATWIRE_BACKEND_TOKEN is not set: anyone who can reach this port can send chats "
            "as any user. Set it (and CHATWIRE_UPSTREAM_AUTHORIZATION on the server) in production."
        )
        return None
    return token


def _bearer_check(token: Optional[str]) -> Callable[..., None]:
    """A dependency refusing, with 401, requests that lack `Authorization: Bearer <token>`."""
    expected = f"Bearer {token}".encode() if token else None

    def require_token(authorization: Optional[str] = Header(None)) -> None:
        if expected is None:
            return
        given = (authorization or "").encode("utf-8")
        # A constant-time comparison, so the secret cannot be guessed from response times.
        if not hmac.compare_digest(given, expected):
            raise HTTPException(
                status_code=401,
                detail="missing or wrong bearer token",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return require_token


class StreamFailed(Exception):
    """Marks where a generator failed, so the encoders can write their error item."""


async def _reported(tokens: AsyncIterator[str]) -> AsyncIterator[str]:
    """The generator's tokens; a failure is logged here and re-raised as `StreamFailed`.

    Empty pieces are skipped: they would be frames with nothing in them. Cancellation (the
    server hung up, the user went away) is not an error and passes through untouched.
    """
    try:
        async for token in tokens:
            if token:
                yield token
    except Exception as error:
        logger.exception("chatwire: the token generator failed mid-stream")
        raise StreamFailed() from error
    finally:
        close = getattr(tokens, "aclose", None)
        if close is not None:
            await close()


async def _ndjson(tokens: AsyncIterator[str]) -> AsyncIterator[str]:
    """One JSON object per line: `{"token": ...}`, or `{"error": ...}` when the reply fails."""
    try:
        async for token in tokens:
            yield json.dumps({"token": token}, ensure_ascii=False) + "\n"
    except StreamFailed:
        yield json.dumps({"error": ERROR_TEXT}) + "\n"


async def _sse(tokens: AsyncIterator[str]) -> AsyncIterator[str]:
    """Server-sent events: `data: {"token": ...}` each, then `data: [DONE]`, or on a failure
    an `error` event instead of the `[DONE]`."""
    try:
        async for token in tokens:
            yield f"data: {json.dumps({'token': token}, ensure_ascii=False)}\n\n"
    except StreamFailed:
        yield f"event: error\ndata: {json.dumps({'error': ERROR_TEXT})}\n\n"
        return
    yield "data: [DONE]\n\n"


#: How each stream format writes the tokens.
_ENCODERS: Dict[str, Callable[[AsyncIterator[str]], AsyncIterator[str]]] = {
    "ndjson": _ndjson,
    "sse": _sse,
}

#: The app uvicorn serves as `app:app`, configured from the environment.
app = create_app()
