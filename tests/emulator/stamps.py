"""When bytes crossed the emulator's Socket Mode socket, as the kernel saw it.

The emulator runs in the test's (or benchmark's) Python process. A time taken by one of its
threads once it has read the bot's ack includes that thread's own wait: to be woken, then
for this process's interpreter lock, which the emulator's Web API threads hold while they
answer the views.open the same command started. On a busy machine that wait, 2-6 ms now
and then, is no part of the bot's answer and would not happen at Slack. So an envelope is
timed from the moment its frame is handed to the kernel to the moment the kernel received
the ack (`SO_TIMESTAMPNS`), the way Slack's side of the socket would see it.
"""

from __future__ import annotations

import socket
import struct
import threading
import time

# Linux's SO_TIMESTAMPNS (also the type of its control message); Python has no name for it.
SO_TIMESTAMPNS = 35
_TIMESPEC = struct.Struct("qq")


class StampedSocket:
    """A connected socket that notes when the kernel received the last bytes read from it,
    and when the calling thread last handed bytes to the kernel to send. Everything else
    is the socket's own."""

    def __init__(self, sock: socket.socket) -> None:
        self._socket = sock
        self._kernel_stamps = True
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        except OSError:  # not Linux: the reading thread's clock is the best there is
            self._kernel_stamps = False
        self.received_at = time.perf_counter()
        self._written = threading.local()

    def __getattr__(self, name: str):
        return getattr(self._socket, name)

    def fileno(self) -> int:
        return self._socket.fileno()

    def recv(self, size: int) -> bytes:
        if not self._kernel_stamps:
            data = self._socket.recv(size)
            self.received_at = time.perf_counter()
            return data
        data, ancillary, _, _ = self._socket.recvmsg(size, socket.CMSG_SPACE(_TIMESPEC.size))
        self.received_at = _kernel_time(ancillary)
        return data

    def sendall(self, data: bytes) -> None:
        self._written.at = time.perf_counter()
        self._socket.sendall(data)

    def written_at(self) -> float | None:
        """When this thread last handed bytes to the kernel through this socket."""
        return getattr(self._written, "at", None)


def _kernel_time(ancillary: list[tuple[int, int, bytes]]) -> float:
    """The kernel's receive time from recvmsg's control messages, on perf_counter's
    clock (the kernel stamps with the wall clock); now, if there is none."""
    now, wall = time.perf_counter(), time.time()
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            seconds, nanoseconds = _TIMESPEC.unpack(data[: _TIMESPEC.size])
            return now - (wall - (seconds + nanoseconds / 1e9))
    return now
