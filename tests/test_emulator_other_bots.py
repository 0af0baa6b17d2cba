"""The Web API methods and the view state the emulator offers for other bots (bench/socket_bot.py
runs any Socket Mode bot against it): they answer and refuse as Slack's reference says."""

from __future__ import annotations

import json
import threading
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.sync.client import connect

from tests.emulator.server import ACK_DEADLINE, APP_TOKEN, BOT_TOKEN, BOT_USER, SlackEmulator


@pytest.fixture
def emulator():
    slack = SlackEmulator().start()
    yield slack
    slack.stop()


@pytest.fixture
def slack(emulator) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=emulator.api_url)


def refusal(call, **params) -> str:
    with pytest.raises(SlackApiError) as caught:
        call(**params)
    return caught.value.response["error"]


def test_users_list_pages_through_every_user(slack, emulator):
    first = slack.users_list(limit=4)
    rest = slack.users_list(limit=4, cursor=first["response_metadata"]["next_cursor"])
    listed = [user["id"] for user in first["members"] + rest["members"]]
    assert sorted(listed) == sorted(emulator.users)
    assert rest["response_metadata"]["next_cursor"] == ""
    assert refusal(slack.users_list, limit=0) == "invalid_limit"
    assert refusal(slack.users_list, cursor="not-a-cursor") == "invalid_cursor"


def test_conversations_members_lists_a_channel_and_hides_a_private_one(slack, emulator):
    members = slack.conversations_members(channel="CINCIDENTS")["members"]
    assert sorted(members) == sorted({BOT_USER, "UALICE", "UBOB"})
    emulator.add_channel("GSECRET", "secret", members={"UALICE"}, is_private=True)
    assert refusal(slack.conversations_members, channel="GSECRET") == "channel_not_found"
    assert refusal(slack.conversations_members, channel="incidents") == "channel_not_found"
    assert refusal(slack.conversations_members, channel="CINCIDENTS", limit=1001) == (
        "invalid_limit"
    )


def test_conversations_set_topic_needs_a_member_and_at_most_250_characters(slack, emulator):
    answer = slack.conversations_setTopic(channel="CINCIDENTS", topic="Severity: SEV2")
    assert answer["channel"]["topic"]["value"] == "Severity: SEV2"
    assert emulator.channels["CINCIDENTS"].topic == "Severity: SEV2"
    assert refusal(slack.conversations_setTopic, channel="CINCIDENTS", topic="x" * 251) == (
        "too_long"
    )
    assert refusal(slack.conversations_setTopic, channel="CGENERAL", topic="t") == (
        "not_in_channel"
    )
    assert refusal(slack.conversations_setTopic, channel="CNOPE", topic="t") == (
        "channel_not_found"
    )


def select(action_id: str) -> dict:
    option = {"text": {"type": "plain_text", "text": "A"}, "value": "a"}
    return {"type": "static_select", "action_id": action_id, "options": [option]}


def test_a_submission_carries_the_state_of_a_section_accessory_but_not_of_other_blocks(
    slack, emulator
):
    """Slack's view_submission holds the full state (since 2020-09): inputs and the
    accessories of sections; an action_id the view does not have is still refused."""
    with connect(slack.apps_connections_open(app_token=APP_TOKEN)["url"]) as socket:
        trigger = emulator.click("open", "x", wait=False)["trigger_id"]
        view = {
            "type": "modal",
            "callback_id": "form",
            "title": {"type": "plain_text", "text": "Form"},
            "submit": {"type": "plain_text", "text": "Go"},
            "blocks": [
                {
                    "type": "section",
                    "block_id": "pick",
                    "text": {"type": "mrkdwn", "text": "*Pick*"},
                },
                {
                    "type": "input",
                    "block_id": "name",
                    "label": {"type": "plain_text", "text": "N"},
                    "element": {"type": "plain_text_input", "action_id": "name"},
                },
            ],
        }
        view["blocks"][0]["accessory"] = select("pick")
        opened = slack.views_open(trigger_id=trigger, view=view)["view"]
        chosen = {"type": "static_select", "selected_option": {"value": "a"}}
        sent = emulator.submit_view(opened["id"], {"pick": {"pick": chosen}}, wait=False)
        assert sent["envelope_id"]
        with pytest.raises(AssertionError):
            emulator.submit_view(opened["id"], {"pick": {"other": chosen}}, wait=False)
        with pytest.raises(AssertionError):
            emulator.submit_view(opened["id"], {"nowhere": {"pick": chosen}}, wait=False)
        envelopes = [
            json.loads(socket.recv(timeout=5)) for _ in range(3)
        ]  # hello, click, submission
    submitted = envelopes[-1]["payload"]
    assert submitted["type"] == "view_submission"
    assert submitted["view"]["state"]["values"] == {"pick": {"pick": chosen}}


def test_an_ack_after_slacks_three_seconds_is_not_taken(slack, emulator):
    with connect(slack.apps_connections_open(app_token=APP_TOKEN)["url"]) as socket:
        json.loads(socket.recv())  # hello
        late = emulator.send_envelope("slash_commands", {"command": "/incident"}, wait=False)
        json.loads(socket.recv())
        emulator.sent_at[late["envelope_id"]] -= ACK_DEADLINE  # as if sent 3 s ago
        socket.send(json.dumps({"envelope_id": late["envelope_id"]}))
        in_time = emulator.send_envelope("slash_commands", {"command": "/incident"}, wait=False)
        socket.send(json.dumps({"envelope_id": json.loads(socket.recv())["envelope_id"]}))
        emulator.wait_for(lambda: in_time["envelope_id"] in emulator.acks, what="the ack")
    assert emulator.late_acks == [late["envelope_id"]]
    assert late["envelope_id"] not in emulator.acks


def test_an_ack_is_timed_when_it_reaches_the_socket_not_when_a_thread_reads_it(slack, emulator):
    """The emulator's own wait (for its interpreter lock, say) after an ack arrived is no
    part of the bot's latency: the ack is stamped by the kernel on arrival."""
    with connect(slack.apps_connections_open(app_token=APP_TOKEN)["url"]) as bot:
        json.loads(bot.recv())  # hello
        sent = emulator.send_envelope("slash_commands", {"command": "/incident"}, wait=False)
        server_side = emulator.connections[-1]
        with server_side.protocol_mutex:  # the thread reading the socket cannot parse frames
            bot.send(json.dumps({"envelope_id": json.loads(bot.recv())["envelope_id"]}))
            time.sleep(0.2)  # the emulator's stall, long after the ack reached its socket
            released_at = time.perf_counter()
        emulator.wait_for(lambda: sent["envelope_id"] in emulator.acks, what="the ack")
    assert emulator.ack_times[sent["envelope_id"]] < released_at


def test_a_call_in_flight_has_no_status_until_it_is_answered(slack, emulator):
    channel = slack.conversations_create(name="in-flight")["channel"]["id"]
    stall = emulator.stall("chat.postMessage", after_effect=True)
    posting = threading.Thread(target=lambda: slack.chat_postMessage(channel=channel, text="x"))
    posting.start()
    try:
        assert stall.arrived.wait(5)
        [call] = emulator.calls_to("chat.postMessage")
        assert (call.status, call.response) == (None, None)
    finally:
        stall.release()
        posting.join(5)
    assert (call.status, call.response["ok"]) == (200, True)
