"""Servers a fault test starts for itself: a private ``redis-server`` (never the shared one on 6379) and a
tiny SMTP server that records every message it accepts.

The Redis server listens on a free port with no persistence (``--save "" --appendonly no``) and can be
frozen (SIGSTOP: it still accepts TCP connections, the kernel completes the handshake, but never answers)
and thawed (SIGCONT).
"""

from __future__ import annotations

import contextlib
import email
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_available() -> bool:
    return shutil.which("redis-server") is not None


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)


@contextlib.contextmanager
def private_redis(workdir: Path) -> Iterator[RedisServer]:
    """A fresh ``redis-server`` on a free port, stopped (and thawed first, if frozen) at the end."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(port=port, process=process)
    deadline = time.monotonic() + 10
    while True:
        try:
            if server.client().ping():
                break
        except Exception:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the private redis-server did not start") from None
            time.sleep(0.05)
    try:
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            server.thaw()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# --- SMTP ------------------------------------------------------------------------------------------


@dataclass
class Inbox:
    """What the SMTP server accepted: one parsed message per ``250`` it answered to DATA."""

    messages: list[email.message.Message] = field(default_factory=list)
    delay: float = 0.0  # seconds to wait before accepting each message (a slow server)
    guard: threading.Lock = field(default_factory=threading.Lock)

    def message_ids(self) -> list[str]:
        with self.guard:
            return [m["Message-ID"] for m in self.messages]


class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        inbox: Inbox = self.server.inbox  # type: ignore[attr-defined]
        self._reply("220 test-smtp ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self._reply("250 test-smtp")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self._reply("250 OK")
            elif command == "DATA":
                self._reply("354 end with .")
                lines = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                time.sleep(inbox.delay)
                with inbox.guard:
                    inbox.messages.append(email.message_from_bytes(b"".join(lines)))
                self._reply("250 accepted")
            elif command == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 not implemented")

    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextlib.contextmanager
def smtp_server(*, delay: float = 0.0) -> Iterator[tuple[int, Inbox]]:
    """A threaded SMTP server on a free port that accepts everything: yields (port, inbox)."""
    inbox = Inbox(delay=delay)
    server = _SmtpServer(("127.0.0.1", 0), _SmtpHandler)
    server.inbox = inbox  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], inbox
    finally:
        server.shutdown()
        server.server_close()
