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
from typing import AsyncIterator, Callable, Mapping, Optional

from models import ChatRequest

#: What the app calls to answer a chat: a function of the request returning its tokens.
TokenGenerator = Callable[[ChatRequest], AsyncIterator[str]]

#: Default pause between echoed words, in milliseconds: enough to watch a reply grow.
DEFAULT_ECHO_DELAY_MS = 50


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
    """
    url = base_url.rstrip("/") + "/chat/completions"
    headers = {"Accept": "text/event-stream"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"

    async def complete(request: ChatRequest) -> AsyncIterator[str]:
        import httpx  # Imported here so that the echo generator needs no httpx.

        payload = _completion_payload(model, system_prompt, request)
        timeout = httpx.Timeout(timeout_seconds, connect=10.0)
        async with httpx.AsyncClient(timeout=timeout) as client:
            async with client.stream("POST", url, json=payload, headers=headers) as response:
                if response.status_code >= 400:
                    raise GeneratorError(f"the model API answered {response.status_code}")
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[len("data:") :].strip()
                    if data == "[DONE]":
                        return
                    token = _delta_content(data)
                    if token:
                        yield token

    return complete


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
        raise GeneratorError("the model API reported an error mid-stream")
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
