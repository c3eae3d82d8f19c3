"""The guard in front of `POST /chat`: the shared secret, then the body's size, checked before
FastAPI reads the body. Part of the chatwire FastAPI backend example (see app.py)."""

import hmac
import json
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

#: ASGI's `scope`, `receive` and `send`, loosely typed: the middleware works on their dicts.
Scope = Dict[str, Any]
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]


class ChatGuard:
    """ASGI middleware in front of `POST /chat`: the shared secret, then the body's size.

    FastAPI reads and parses a request's whole body before it runs any dependency, so a bearer
    check written as one would let anyone make the app take in a body of any size first. This
    runs before: it refuses a request without `Authorization: Bearer <token>` (401) from its
    headers alone, one whose `Content-Length` is over `max_body_bytes` (413) likewise, and a
    chunked body as soon as it grows past that (413). Uvicorn discards the rest of a refused
    body without keeping it. Plain ASGI, so it works the same on every Starlette version.
    """

    def __init__(self, app: Any, *, path: str, token: Optional[str], max_body_bytes: int) -> None:
        self.app = app
        self.path = path
        self.expected = token.encode("utf-8") if token else None
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._guards(scope):
            await self.app(scope, receive, send)
            return
        headers: List[Tuple[bytes, bytes]] = scope.get("headers") or []
        if self.expected is not None and not self._authorized(headers):
            unauthorized = "missing or wrong bearer token"
            await _refuse(send, 401, unauthorized, {"WWW-Authenticate": "Bearer"})
            return
        too_large = f"the request body is over {self.max_body_bytes} bytes"
        lengths = [value for name, value in headers if name.lower() == b"content-length"]
        if lengths and not lengths[0].strip().isdigit():
            await _refuse(send, 400, "the Content-Length is not a number")
            return
        if lengths and int(lengths[0]) > self.max_body_bytes:
            await _refuse(send, 413, too_large)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # The caller went away: there is no one to answer.
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:
                await _refuse(send, 413, too_large)  # Read no further.
                return
            more = message.get("more_body", False)
        await self.app(scope, _replaying(bytes(body), receive), send)

    def _guards(self, scope: Scope) -> bool:
        """Whether the request is for the guarded path. Starlette versions differ in whether
        `path` includes `root_path` (behind a proxy's prefix): both spellings count."""
        path = scope.get("path", "")
        return path in (self.path, scope.get("root_path", "") + self.path)

    def _authorized(self, headers: List[Tuple[bytes, bytes]]) -> bool:
        """Whether the one Authorization header is `Bearer <token>` (the scheme in any case)."""
        assert self.expected is not None
        values = [value for name, value in headers if name.lower() == b"authorization"]
        scheme, _, credentials = (values[0] if len(values) == 1 else b"").strip().partition(b" ")
        # Constant-time, so the secret cannot be guessed from response times; and evaluated
        # whatever the scheme, so neither can whether the scheme was right.
        matches = hmac.compare_digest(credentials.strip(), self.expected)
        return matches and scheme.lower() == b"bearer"


async def _refuse(
    send: Send, status: int, detail: str, headers: Optional[Dict[str, str]] = None
) -> None:
    """Answers `{"detail": ...}` with `status`, as FastAPI's own errors look."""
    body = json.dumps({"detail": detail}).encode("utf-8")
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    for name, value in (headers or {}).items():
        raw_headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` giving the app the body already read, then the server's own messages (the
    `http.disconnect` a streaming response waits for)."""
    pending = True

    async def replayed() -> Dict[str, Any]:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed

