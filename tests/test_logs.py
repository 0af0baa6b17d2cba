import io
import json
import logging
import threading

import structlog

from integrations.slack.client import KlaxonWebClient
from observability import logs


def capture(secrets=()):
    stream = io.StringIO()
    logs.configure("INFO", secrets=secrets, stream=stream)
    return stream


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_with_timestamp_level_and_context():
    stream = capture()
    with structlog.contextvars.bound_contextvars(request_id="r1"):
        structlog.get_logger("klaxon").info("incident_declared", incident_ref="INC-1")
    [line] = lines(stream)
    assert line["event"] == "incident_declared" and line["request_id"] == "r1"
    assert line["level"] == "info" and line["timestamp"].endswith("Z")


def test_tokens_are_redacted_everywhere():
    stream = capture(secrets=["s3cr3t-value-without-shape"])
    log = structlog.get_logger("klaxon")
    log.info("oops", token="xoxb-1234-5678-abcdef", nested={"t": ["xapp-1-A0-123-abc"]})
    log.info("config s3cr3t-value-without-shape")
    try:
        raise RuntimeError("bad token xoxp-99-88-77")
    except RuntimeError:
        log.exception("failed")
    logging.getLogger("slack_sdk").warning("header Bearer xoxb-111-222-333")
    text = stream.getvalue()
    for secret in ("1234-5678", "A0-123-abc", "s3cr3t", "99-88-77", "111-222-333"):
        assert secret not in text
    assert text.count("[REDACTED]") >= 5


def test_events_below_the_level_are_dropped_and_the_rest_share_the_stream():
    stream = io.StringIO()
    logs.configure("WARNING", stream=stream)
    log = structlog.get_logger("klaxon.test")
    log.info("not_written")
    log.warning("written", incident_ref="INC-1")
    logging.getLogger("slack_bolt").warning("from a library")
    try:
        raise ValueError("broken")
    except ValueError as error:
        log.error("failed", exc_info=error)
    written = lines(stream)
    assert [(line["event"], line["logger"]) for line in written] == [
        ("written", "klaxon.test"),
        ("from a library", "slack_bolt"),
        ("failed", "klaxon.test"),
    ]
    assert "ValueError: broken" in written[2]["exception"]


def debug_messages_of_a_call(monkeypatch, level: str) -> list[str]:
    stream = io.StringIO()
    logs.configure(level, stream=stream)  # after slack_sdk's import, as in the daemon
    client = KlaxonWebClient(
        token="xoxb-1", base_url="http://127.0.0.1:9/", stopping=threading.Event()
    )
    answer = {"status": 200, "headers": {}, "body": json.dumps({"ok": True, "ts": "1.2"})}
    monkeypatch.setattr(client.kept, "send", lambda url, body, headers: answer)
    built = []
    monkeypatch.setattr(
        logging.Logger, "debug", lambda self, message, *args, **kw: built.append(message)
    )
    client.chat_postMessage(channel="C1", text="the whole body, formatted for nothing")
    monkeypatch.undo()
    return built


def test_a_web_api_call_builds_no_debug_message_below_the_level(monkeypatch):
    assert debug_messages_of_a_call(monkeypatch, "INFO") == []
    [message] = debug_messages_of_a_call(monkeypatch, "DEBUG")
    assert "formatted for nothing" in message


def test_a_logger_used_before_the_logs_are_set_up_again_writes_where_they_go_now():
    first = capture()
    log = structlog.get_logger("klaxon.early")
    log.info("before")
    second = capture()
    log.info("after")
    assert [line["event"] for line in lines(first)] == ["before"]
    assert [line["event"] for line in lines(second)] == ["after"]
