"""A FastAPI backend for chatwire: the "FastAPI" part of widget → WebSocket server → FastAPI.

The chatwire reference server (`npm run server` with `CHATWIRE_UPSTREAM_URL` pointing at
`POST /chat` here) forwards each chat message with the user it verified from the JWT, and
streams this app's answer back to the widget token by token. Run it with:

    python3 -m uvicorn app:app --app-dir examples/fastapi --port 8000

(or `app:create_app --factory`: the same app, made by calling `create_app()`).

Environment:
- `CHATWIRE_STREAM_FORMAT`: `ndjson` (default; one `{"token": "..."}` per line) or `sse`
  (server-sent events, `data: {"token": "..."}`, ending with `data: [DONE]`).
- `CHATWIRE_BACKEND_TOKEN`: when set, `POST /chat` needs `Authorization: Bearer <it>`; give the
  reference server `CHATWIRE_UPSTREAM_AUTHORIZATION="Bearer <it>"`. The user in a request is
  only as trustworthy as whoever may send it: set this wherever others can reach the port.
- `CHATWIRE_KEEPALIVE_SECONDS`: while the generator is silent this long, the app sends a
  keep-alive (a blank NDJSON line, an SSE comment) so the reference server's idle timeout
  (`CHATWIRE_UPSTREAM_TIMEOUT_MS`, 30 s by default) does not cut off a model that is slow to
  start. Default 15; 0 turns it off.
- `CHATWIRE_MAX_SILENCE_SECONDS`: with keep-alives on, the server's idle timeout no longer sees
  a generator that hangs, so the app gives up on one itself after this long without a token
  (an error item, as for a failure). Default 120; 0 means never.
- Where the tokens come from: see `generators.generator_from_env` (an echo by default, or an
  OpenAI-compatible API with `OPENAI_BASE_URL` and `OPENAI_MODEL`).

A generator that fails part-way is logged here and reported to the server as an error item
(`{"error": ...}` in NDJSON, `event: error` in SSE), so the widget shows the reply as
interrupted rather than as a complete answer that just stops.

The routes and their settings are here; `guard.py` checks the secret and the body's size
before FastAPI reads the body, `streams.py` writes the tokens out, `generators.py` makes them
and `models.py` says what a request holds.
"""

import logging
import os
from typing import Any, Optional

from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from generators import TokenGenerator, generator_from_env
from guard import ChatGuard
from models import ChatRequest
from streams import (
    ENCODERS,
    MEDIA_TYPES,
    STREAM_HEADERS,
    ClosingStreamingResponse,
    reported,
    with_keepalives,
)

logger = logging.getLogger("chatwire.backend")

#: Where the reference server POSTs its chats.
CHAT_PATH = "/chat"

#: The largest `POST /chat` body read, in bytes; a larger one is refused (413) unread. The
#: reference server never sends much over 64 KiB: it takes WebSocket frames of at most that, the
#: message JSON-escaped inside, and forwards the message escaped the same way. A quarter MiB
#: leaves room for other callers (65,536 characters of the Basic Multilingual Plane, 3 bytes
#: each at most in UTF-8, take 192 KiB) without letting anyone make the app buffer more.
MAX_BODY_BYTES = 256 * 1024

#: Default silence, in seconds, after which a keep-alive is sent: half the reference server's
#: default idle timeout (30 s), so a slow model is never cut off for being slow.
DEFAULT_KEEPALIVE_SECONDS = 15.0

#: Default longest silence from a generator, in seconds, before the app fails the reply.
DEFAULT_MAX_SILENCE_SECONDS = 120.0


def create_app(
    generator: Optional[TokenGenerator] = None,
    *,
    stream_format: Optional[str] = None,
    backend_token: Optional[str] = None,
    keepalive_seconds: Optional[float] = None,
    max_silence_seconds: Optional[float] = None,
) -> FastAPI:
    """Builds the app. Unset arguments come from the environment (see the module docstring).

    `generator` answers each chat; by default `generator_from_env()` picks one, and raises
    `ValueError` naming the variable when the environment is half set (`OPENAI_BASE_URL`
    without `OPENAI_MODEL`, say). Tests and apps pass their own: any async generator function
    taking a `ChatRequest` and yielding text.
    """
    _show_log_records()
    tokens_for = generator or generator_from_env()
    chosen_format = _stream_format(stream_format)
    keepalive = _seconds(
        keepalive_seconds, "CHATWIRE_KEEPALIVE_SECONDS", DEFAULT_KEEPALIVE_SECONDS
    )
    max_silence = _seconds(
        max_silence_seconds, "CHATWIRE_MAX_SILENCE_SECONDS", DEFAULT_MAX_SILENCE_SECONDS
    )
    encode = ENCODERS[chosen_format]

    app = FastAPI(title="chatwire FastAPI backend example")
    # Checked before FastAPI reads the body (it reads and parses all of it before running any
    # dependency), so a caller without the secret cannot make the app take in anything.
    app.add_middleware(
        ChatGuard,
        path=CHAT_PATH,
        token=_backend_token(backend_token),
        max_body_bytes=MAX_BODY_BYTES,
    )

    @app.get("/health")
    async def health() -> dict:
        """Says the app is up, for load balancers and for scripts waiting for it to start."""
        return {"status": "ok", "streamFormat": chosen_format}

    @app.post(CHAT_PATH)
    async def chat(request: ChatRequest) -> StreamingResponse:
        """Answers one chat message as a stream of tokens, in the chosen format."""
        items = with_keepalives(reported(tokens_for(request)), keepalive, max_silence)
        return ClosingStreamingResponse(
            encode(items), media_type=MEDIA_TYPES[chosen_format], headers=STREAM_HEADERS
        )

    return app


def __getattr__(name: str) -> Any:
    """The `app` uvicorn serves as `app:app`, configured from the environment, made the first
    time it is asked for rather than at import.

    So `from app import create_app` in a module of your own only imports: it does not build an
    app from the environment you may not have set up for it (`generator_from_env()` raises on a
    half-set `OPENAI_*`), nor warn about a `CHATWIRE_BACKEND_TOKEN` you pass as an argument.
    """
    if name == "app":
        made = create_app()
        globals()["app"] = made
        return made
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _show_log_records() -> None:
    """Gives this app's log a handler when nothing else would show it.

    Uvicorn configures only its own loggers, so without one `chatwire.backend`'s warnings and
    tracebacks would reach stderr through Python's last-resort handler: bare, with no level or
    logger name. An app that configures logging itself (a handler on the root logger, or on
    `chatwire`) is left alone: call `logging.basicConfig()` or `dictConfig()` before this.
    """
    if logger.hasHandlers():
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(name)s: %(message)s"))
    logger.addHandler(handler)


def _stream_format(given: Optional[str]) -> str:
    """The stream format asked for, checked at startup rather than on the first chat."""
    value = (given or os.environ.get("CHATWIRE_STREAM_FORMAT") or "ndjson").strip().lower()
    if value not in MEDIA_TYPES:
        raise ValueError(f"CHATWIRE_STREAM_FORMAT must be 'ndjson' or 'sse', got {value!r}.")
    return value


def _seconds(given: Optional[float], variable: str, default: float) -> Optional[float]:
    """A number of seconds, given or from `variable`; None for 0 (off). Checked at startup."""
    raw = os.environ.get(variable, "").strip() if given is None else repr(given)
    if given is None:
        try:
            given = float(raw) if raw else default
        except ValueError:
            given = -1
    # An argument is checked as the variable would be: -5 or 1e9 seconds is a mistake either way.
    if not 0 <= given <= 86_400:
        raise ValueError(f"{variable} must be 0 to 86400 seconds, got {raw!r}.")
    return given if given > 0 else None


def _backend_token(given: Optional[str]) -> Optional[str]:
    """The shared secret the WebSocket server must present, or None (with a warning)."""
    token = given if given is not None else os.environ.get("CHATWIRE_BACKEND_TOKEN", "").strip()
    if not token:
        logger.warning(
            "CHATWIRE_BACKEND_TOKEN is not set: anyone who can reach this port can send chats "
            "as any user. Set it (and CHATWIRE_UPSTREAM_AUTHORIZATION on the server) in "
            "production."
        )
        return None
    return token


