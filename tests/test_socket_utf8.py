"""The Socket Mode connection checks each text frame's UTF-8 with Python's codec (in C)
rather than websocket-client's byte-by-byte loop, refusing at least what that loop refuses."""

from __future__ import annotations

import random

import pytest
import websocket._abnf
from websocket._exceptions import WebSocketPayloadException
from websocket._utils import _validate_utf8 as websocket_client_check

from bot.socket_mode import utf8_is_valid


def test_websocket_client_frames_are_checked_by_the_codec():
    assert websocket._abnf.validate_utf8 is utf8_is_valid
    frame = websocket._abnf.ABNF(opcode=websocket._abnf.ABNF.OPCODE_TEXT, data=b"\xed\xa0\x80")
    check = websocket._abnf.continuous_frame(fire_cont_frame=False, skip_utf8_validation=False)
    check.add(frame)
    with pytest.raises(WebSocketPayloadException):  # an encoded surrogate
        check.extract(frame)


def test_the_codec_refuses_everything_websocket_client_refuses():
    rng = random.Random(6455)
    samples = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9))) for _ in range(20_000)]
    samples += [b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf4\x90\x80\x80", b"\xed\xbf\xbf", "é∑😀".encode()]
    for sample in samples:
        if not websocket_client_check(sample):
            assert not utf8_is_valid(sample), sample
        elif not utf8_is_valid(sample):  # the only difference: a character cut off at the end
            tails = [
                bytes([second]) + b"\x80" * more
                for second in (0x80, 0x90, 0xA0)
                for more in (0, 1, 2)
            ]
            assert any(utf8_is_valid(sample + tail) for tail in tails), sample
    assert utf8_is_valid('{"text": "Checkout is down — 500s ✅"}'.encode())
