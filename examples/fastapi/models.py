"""What the chatwire reference server sends this backend for each chat.

`server/upstream.ts` (`createHttpStreamResponder`) POSTs one JSON object per chat message:

    {"message": "the user's text", "user": {"subject": "the verified JWT's sub, or null"}}

The models work with pydantic 1.10 (Debian bookworm) and pydantic 2 alike: they use only
`BaseModel`, `Field` with length limits, `StrictStr` and `default_factory`.
"""

from typing import Optional

from pydantic import BaseModel, Field, StrictStr

#: The longest message accepted, in characters. The reference server takes WebSocket frames of
#: at most 64 KiB, so no message it forwards is longer; anything longer did not come from it.
MAX_MESSAGE_CHARS = 64 * 1024


class ChatUser(BaseModel):
    """The chatwire user a message comes from, as the WebSocket server verified them."""

    #: The JWT's `sub` claim; null when the token had none.
    subject: Optional[StrictStr] = None


class ChatRequest(BaseModel):
    """One chat message to answer, with the user it comes from."""

    #: The user's text exactly as typed in the widget. Strict: a number is not a message.
    message: StrictStr = Field(..., min_length=1, max_length=MAX_MESSAGE_CHARS)
    user: ChatUser = Field(default_factory=ChatUser)
