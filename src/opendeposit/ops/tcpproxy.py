"""A TCP proxy on loopback that a fault injector can cut and resume, for `opendeposit simulate`.

The simulated platform reaches PostgreSQL and RabbitMQ through one of these, so a broker outage
or a database restart can be played without root rights and without touching a server other
programs share: SIGUSR1 cuts (every open connection is reset, new ones are closed at once),
SIGUSR2 resumes, SIGTERM stops.

    python -m opendeposit.ops.tcpproxy LISTEN_PORT TARGET_HOST TARGET_PORT
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys


class Proxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.cut = False
        self.links: set[asyncio.StreamWriter] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut:
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _reset(writer)
            return
        self.links |= {writer, up_writer}
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self.links -= {writer, up_writer}
            for w in (writer, up_writer):
                w.close()

    def do_cut(self) -> None:
        self.cut = True
        for w in list(self.links):
            _reset(w)
        self.links.clear()

    def do_resume(self) -> None:
        self.cut = False


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close like a dead peer: RST rather than an orderly FIN where the socket allows it."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        import socket
        import struct

        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.transport.abort() if writer.transport.is_closing() else writer.close()


async def main(listen_port: int, target_host: str, target_port: int) -> None:
    proxy = Proxy(target_host, target_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, proxy.do_cut)
    loop.add_signal_handler(signal.SIGUSR2, proxy.do_resume)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", listen_port,
                                        reuse_address=True)
    print(f"listening {listen_port}", flush=True)
    async with server:
        await stop.wait()
        proxy.do_cut()


if __name__ == "__main__":  # pragma: no cover - run as a child process
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
