"""A local SMTP server (aiosmtpd) that counts what it receives, for tests and benchmarks.

`hold()` makes every later conversation wait before the recipient is accepted, so a test can
kill a worker while its SMTP conversation is open and no message has been received.
"""

import asyncio
import email
import socket
import threading
from collections import Counter

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SinkHandler:
    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()
        self.received = threading.Condition(self.lock)
        self.held = 0
        self._gate: asyncio.Event | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self._gate is not None:
            with self.lock:
                self.held += 1
                self.received.notify_all()
            await self._gate.wait()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        with self.received:
            self.messages.append(message)
            self.received.notify_all()
        return "250 Message accepted for delivery"


class SmtpSink:
    """`with SmtpSink() as sink:` serves on 127.0.0.1:`sink.port` until the block ends."""

    def __init__(self):
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.release()
        self.controller.stop()

    @property
    def messages(self):
        with self.handler.lock:
            return list(self.handler.messages)

    def recipients(self) -> Counter:
        """How many messages each address received."""
        return Counter(message["To"] for message in self.messages)

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        with self.handler.received:
            return self.handler.received.wait_for(
                lambda: len(self.handler.messages) >= count, timeout
            )

    def hold(self) -> None:
        """From now on, keep every new conversation waiting before its recipient is accepted."""
        self.handler._gate = asyncio.Event()

    def wait_held(self, count: int, timeout: float = 30) -> bool:
        with self.handler.received:
            return self.handler.received.wait_for(lambda: self.handler.held >= count, timeout)

    def release(self) -> None:
        gate, self.handler._gate = self.handler._gate, None
        if gate is not None:
            self.controller.loop.call_soon_threadsafe(gate.set)
