"""A real SMTP server for tests: aiosmtpd on loopback, on a port the system picks (bound first,
so two test runs never collide), keeping each message and a transcript of the SMTP commands."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Recorder:
    """The aiosmtpd handler: every command it accepted, and every message."""

    transcript: list[str] = field(default_factory=list)
    messages: list[email.message.EmailMessage] = field(default_factory=list)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.transcript.append(f"EHLO {hostname}")
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.transcript.append(f"MAIL FROM:<{address}>")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.transcript.append(f"RCPT TO:<{address}>")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.transcript.append(f"DATA ({len(envelope.content)} bytes: {message['Subject']}) -> 250")
        self.messages.append(message)
        return "250 Message accepted for delivery"


class LoopbackController(Controller):
    """aiosmtpd's threaded controller on a socket bound to 127.0.0.1, port chosen by the system."""

    def __init__(self, handler) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        super().__init__(handler, hostname="127.0.0.1", port=self.sock.getsockname()[1])

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self.sock)
