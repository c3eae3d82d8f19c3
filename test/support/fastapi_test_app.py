"""The FastAPI example with a scripted generator, for chatwire's three-part browser tests.

It is `examples/fastapi/app.py`'s own `create_app`, given a generator that echoes the message
back like the example's, except for a few messages that act out what a real model backend
does on a bad day:

- "fail after 3 words ...": sends three words, then raises (a model crashing mid-answer);
- "be slow ...": waits `SLOW_SECONDS` before its first word (a model that hangs);
- "think first ...": waits `THINK_SECONDS`, then echoes (a model slow to start, but working);
- "answer a number": sends a word, then the int 42 (a generator with a bug);
- "long ...": `LONG_WORDS` words, `LONG_DELAY_SECONDS` apart (long enough to kill uvicorn mid-way);
- "who am i": answers with the user's id it was sent (the JWT's `sub`, via the server).

`GET /_test/requests` lists the chats this app received, so a test can check what the
WebSocket server forwarded. Served by `test/support/three-parts-commands.ts` as
`fastapi_test_app:create_test_app` with uvicorn's `--factory`.
"""

import asyncio
import pathlib
import sys
from typing import AsyncIterator, List

EXAMPLE_DIR = pathlib.Path(__file__).resolve().parents[2] / "examples" / "fastapi"
sys.path.insert(0, str(EXAMPLE_DIR))

from app import create_app  # noqa: E402  (the example's folder must be on the path first)
from fastapi import FastAPI  # noqa: E402
from generators import echo_generator, words_of  # noqa: E402
from models import ChatRequest  # noqa: E402

#: Pause between echoed words in the ordinary replies.
ECHO_DELAY_MS = 20
#: How long "be slow" waits before its first word: far past any test's upstream timeout.
SLOW_SECONDS = 8
#: How long "think first" waits before its first word: past the keep-alive tests' timeout.
THINK_SECONDS = 2.0
LONG_WORDS = 300
LONG_DELAY_SECONDS = 0.1


class ScriptedFailure(RuntimeError):
    """The failure "fail after 3 words" acts out."""


def create_test_app() -> FastAPI:
    """The example app answering with `scripted`, plus `GET /_test/requests`."""
    received: List[dict] = []
    echo = echo_generator(ECHO_DELAY_MS)

    async def scripted(request: ChatRequest) -> AsyncIterator[str]:
        received.append({"message": request.message, "subject": request.user.subject})
        text = request.message.lower()
        if text.startswith("fail after 3 words"):
            for word in words_of(request.message)[:3]:
                yield word
                await asyncio.sleep(ECHO_DELAY_MS / 1000)
            raise ScriptedFailure("the scripted model failed after 3 words")
        if text.startswith("be slow"):
            await asyncio.sleep(SLOW_SECONDS)
        if text.startswith("think first"):
            await asyncio.sleep(THINK_SECONDS)
        if text == "answer a number":
            yield "The answer: "
            yield 42  # type: ignore[misc]  (the bug acted out: not text)
            return
        if text.startswith("long"):
            for index in range(1, LONG_WORDS + 1):
                yield f"word{index} "
                await asyncio.sleep(LONG_DELAY_SECONDS)
            return
        if text == "who am i":
            request = ChatRequest(message=f"You are {request.user.subject}.", user=request.user)
        async for word in echo(request):
            yield word

    app = create_app(scripted)

    @app.get("/_test/requests")
    async def requests_received() -> List[dict]:
        """The chats received so far, oldest first: each one's message and user subject."""
        return received

    return app
