"""Where a chatwire reply's tokens come from: pluggable token generators.

A token generator is an async generator function that takes the `ChatRequest` (the user's
message and who they are) and yields the reply in pieces of text. Each piece becomes one
`stream-token` frame in the widget, and the reply is the pieces joined. Raising part-way is
allowed: the app turns it into an explicit error item, so the widget marks the reply as
interrupted instead of leaving it half-written.

Two are provided:
- `echo_generator`: repeats the message back word by word, with a pause between words. It
  needs nothing else, so the whole chain (widget, WebSocket server, this backend) can be tried
  before any model is involved.
- `openai_generator`: streams the answer of an OpenAI-compatible `chat/completions` API
  (OpenAI, or a local model server such as llama.cpp, vLLM or Ollama). It needs httpx, which is
  imported only when it runs, so the echo path works without it.

`generator_from_env` picks one from the environment; write your own to call your model.
"""

import asyncio
import hashlib
import json
import os
import re
from typing import Any, AsyncIterator, Callable, List, Mapping, NamedTuple, Optional

import anyio
from models import ChatRequest

#: What the app calls to answer a chat: a function of the request returning its tokens.
TokenGenerator = Callable[[ChatRequest], AsyncIterator[str]]

#: Default pause between echoed words, in milliseconds: enough to watch a reply grow.
DEFAULT_ECHO_DELAY_MS = 50

#: The longest closing the model connection may take once a reply is over or abandoned.
CLOSE_TIMEOUT_SECONDS = 5.0

#: How much of what the model API says when it fails is quoted in the log.
QUOTED_CHARS = 300


class GeneratorError(RuntimeError):
    """A generator could not produce (the rest of) a reply: the model API failed, say."""


def words_of(text: str) -> list:
    """Splits `text` into words, each with the whitespace that follows it.

    Joined back together the pieces give `text` exactly, spaces and line breaks included, so
    the widget shows the message as it was written.

    >>> words_of("Hello  big\\nworld ")
    ['Hello  ', 'big\\n', 'world ']
    """
    return [piece for piece in re.split(r"(?<=\s)(?=\S)", text) if piece]


def echo_generator(delay_ms: float = DEFAULT_ECHO_DELAY_MS) -> TokenGenerator:
    """A generator that echoes the message back word by word, `delay_ms` apart."""

    async def echo(request: ChatRequest) -> AsyncIterator[str]:
        for index, word in enumerate(words_of(request.message)):
            if index > 0 and delay_ms > 0:
                await asyncio.sleep(delay_ms / 1000)
            yield word

    return echo


def openai_generator(
    base_url: str,
    model: str,
    api_key: Optional[str] = None,
    system_prompt: Optional[str] = None,
    timeout_seconds: float = 60.0,
) -> TokenGenerator:
    """A generator that streams the answer of an OpenAI-compatible chat API.

    It POSTs `{base_url}/chat/completions` with `stream: true` and yields each
    `choices[0].delta.content` of the server-sent events until `data: [DONE]`. The user is
    passed on as a hash of their id, which such APIs use to spot abuse without learning who
    the user is.

    Anything but a whole answer raises `GeneratorError`, so the widget shows the reply as
    interrupted rather than as complete: a status other than 200 (a redirect included: it is
    not followed), a 200 that is not `text/event-stream`, an `event: error` or a chunk with an
    `error`, and a stream that ends without `data: [DONE]`.

    When the reply is no longer wanted (the reference server hung up: the user went away, or
    this app was too slow), the connection to the model is closed at once, so the model stops
    generating a reply nobody reads.
    """
    url = base_url.rstrip("/") + "/chat/completions"
    headers = {"Accept": "text/event-stream"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"

    async def complete(request: ChatRequest) -> AsyncIterator[str]:
        import httpx  # Imported here so that the echo generator needs no httpx.

        payload = _completion_payload(model, system_prompt, request)
        client = httpx.AsyncClient(timeout=httpx.Timeout(timeout_seconds, connect=10.0))
        response = None
        try:
            # Not `async with client.stream(...)`: when the request is cancelled, its exit (and
            # the client's) would be cancelled too, and httpcore would leave the socket open,
            # the model streaming on into it. The `finally` below closes both for certain.
            outgoing = client.build_request("POST", url, json=payload, headers=headers)
            response = await client.send(outgoing, stream=True)
            await _check_answer(response)
            events = _EventStream()
            async for line in response.aiter_lines():
                for event in events.feed(line):
                    token = _text_of(event)
                    if token is None:
                        return
                    if token:
                        yield token
            # The stream ended. A `[DONE]` cut off before its blank line still ends the reply
            # (the SSE rules would drop it); with no `[DONE]` at all the reply was cut short.
            if any(_text_of(event) is None for event in events.end()):
                return
            raise GeneratorError("the model API's stream ended before `data: [DONE]`")
        finally:
            # Shielded: in a cancelled request every await would be cancelled again at once,
            # and the close would never happen. Bounded, so a stuck socket cannot hold it.
            with anyio.move_on_after(CLOSE_TIMEOUT_SECONDS, shield=True):
                if response is not None:
                    await response.aclose()
                await client.aclose()

    return complete


async def _check_answer(response: Any) -> None:
    """Raises `GeneratorError` unless `response` is a 200 stream of server-sent events."""
    status = response.status_code
    if 300 <= status < 400:
        location = response.headers.get("location")
        raise GeneratorError(
            f"the model API answered {status}, a redirect to {location!r}; redirects are not "
            "followed: set OPENAI_BASE_URL to where it leads"
        )
    if status != 200:
        body = await _start_of_body(response)
        raise GeneratorError(f"the model API answered {status}" + (f": {body!r}" if body else ""))
    content_type = response.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "text/event-stream":
        raise GeneratorError(
            f"the model API answered 200 with {content_type or 'no content type'!r}, not "
            "text/event-stream: is OPENAI_BASE_URL an OpenAI-compatible API?"
        )


async def _start_of_body(response: Any) -> str:
    """The first `QUOTED_CHARS` characters of a response body, for the log."""
    start = b""
    async for chunk in response.aiter_bytes():
        start += chunk
        if len(start) >= QUOTED_CHARS:
            break
    return start.decode("utf-8", "replace")[:QUOTED_CHARS].strip()


class _ServerSentEvent(NamedTuple):
    """One event of a `text/event-stream`: its type (`message` unless named) and its data."""

    type: str
    data: str


class _EventStream:
    """Turns the lines of a `text/event-stream` into events, as the SSE specification does.

    An event is its `data:` lines joined with line breaks, dispatched at the blank line after
    them; `event:` names its type; comments (`: ...`), `id:` and `retry:` are passed over.
    """

    def __init__(self) -> None:
        self._type = ""
        self._data: List[str] = []

    def feed(self, line: str) -> List[_ServerSentEvent]:
        """The events that `line` completes (none, or one at a blank line)."""
        # httpx before 0.24 keeps each line's "\n", later ones drop it.
        line = line.rstrip("\r\n")
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return []
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._type = value
        return []

    def end(self) -> List[_ServerSentEvent]:
        """An event the stream cut off before its blank line, if any."""
        return self._dispatch()

    def _dispatch(self) -> List[_ServerSentEvent]:
        event_type, data = self._type, self._data
        self._type, self._data = "", []
        if not data and event_type != "error":
            return []
        return [_ServerSentEvent(event_type or "message", "\n".join(data))]


def _text_of(event: _ServerSentEvent) -> Optional[str]:
    """The text an event adds to the reply ('' for none), or None for the `data: [DONE]` that
    ends it. An error, as an `error` event or a chunk with an `error`, raises `GeneratorError`."""
    if event.type == "error":
        raise GeneratorError(f"the model API sent an error event: {event.data[:QUOTED_CHARS]!r}")
    if event.data.strip() == "[DONE]":
        return None
    return _delta_content(event.data)


def _completion_payload(model: str, system_prompt: Optional[str], request: ChatRequest) -> dict:
    """The body of one streamed `chat/completions` call for `request`."""
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    messages.append({"role": "user", "content": request.message})
    payload = {"model": model, "stream": True, "messages": messages}
    if request.user.subject:
        payload["user"] = pseudonym_of(request.user.subject)
    return payload


def pseudonym_of(subject: str) -> str:
    """A stable stand-in for a user id (the first 32 hex digits of its SHA-256), as the
    reference server's own OpenAI adapter sends: no email address leaves for the model API."""
    return hashlib.sha256(subject.encode("utf-8")).hexdigest()[:32]


def _delta_content(data: str) -> str:
    """The text in one streamed chunk; '' for chunks without any (a role, a finish reason)."""
    try:
        chunk = json.loads(data)
    except ValueError as error:
        raise GeneratorError("the model API sent a chunk that is not JSON") from error
    if not isinstance(chunk, dict):
        return ""
    if chunk.get("error"):
        error = str(chunk["error"])[:QUOTED_CHARS]
        raise GeneratorError(f"the model API reported an error mid-stream: {error!r}")
    choices = chunk.get("choices")
    first = choices[0] if isinstance(choices, list) and choices else None
    delta = first.get("delta") if isinstance(first, dict) else None
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else ""


def generator_from_env(env: Optional[Mapping[str, str]] = None) -> TokenGenerator:
    """The generator the environment asks for.

    - `OPENAI_BASE_URL` set: `openai_generator`, with `OPENAI_MODEL` (required),
      `OPENAI_API_KEY` (optional: local model servers usually need none) and
      `OPENAI_SYSTEM_PROMPT` (optional);
    - otherwise `echo_generator`, `CHATWIRE_ECHO_DELAY_MS` apart (default 50).
    """
    env = os.environ if env is None else env
    base_url = env.get("OPENAI_BASE_URL", "").strip()
    if base_url:
        model = env.get("OPENAI_MODEL", "").strip()
        if not model:
            raise ValueError("OPENAI_BASE_URL is set: set OPENAI_MODEL too.")
        return openai_generator(
            base_url,
            model,
            api_key=env.get("OPENAI_API_KEY", "").strip() or None,
            system_prompt=env.get("OPENAI_SYSTEM_PROMPT", "").strip() or None,
        )
    return echo_generator(_delay_ms_from(env))


def _delay_ms_from(env: Mapping[str, str]) -> float:
    """CHATWIRE_ECHO_DELAY_MS as a number of milliseconds, refusing anything else."""
    raw = env.get("CHATWIRE_ECHO_DELAY_MS", "").strip()
    if not raw:
        return DEFAULT_ECHO_DELAY_MS
    try:
        delay = float(raw)
    except ValueError:
        delay = -1
    if not 0 <= delay <= 60_000:
        raise ValueError(f"CHATWIRE_ECHO_DELAY_MS must be 0 to 60000 ms, got {raw!r}.")
    return delay
