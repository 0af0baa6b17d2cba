"""One incident from declaration to report, played by Alice, Bob and Carol.

Alice (anyone) declares from #general, Bob (on call, holds the ack role) acknowledges,
Alice posts an update that moves it to monitoring, Carol (support, read the
announcement) joins and adds a follow-up, Bob resolves it and Klaxon posts the report.
Every step waits for what it makes happen (the reply, the edits, the new lines), as the
end-to-end tests do, then prints what changed and who sees it.
The demo knows the daemon only through the emulator: commands, modals, buttons.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from demo.stage import DemoFailed
from demo.watch import Watcher
from tests.emulator import BOT_USER, SlackEmulator
from tests.helpers import modal_values

ALICE, BOB, CAROL = "UALICE", "UBOB", "UCAROL"
TITLE = "Checkout is down"
STEP_TIMEOUT = 15.0


class Story:
    def __init__(self, emulator: SlackEmulator, write: Callable[[str], None] = print) -> None:
        self.emulator = emulator
        self.write = write
        self.watcher = Watcher(emulator, write)
        self.general = emulator.channel_named("general")
        self.incidents = emulator.channel_named("incidents")
        self.channel = None  # the incident channel, once Klaxon has created it
        self.summary = None  # the pinned summary message in it
        self.announcement = None  # Klaxon's message in #incidents

    # ----- what people do -----

    def people(self) -> dict[str, str]:
        """The workspace's people, name -> user id."""
        return {u["name"]: u["id"] for u in self.emulator.users.values() if not u["is_bot"]}

    def step(self, text: str) -> None:
        """Begin a step: its heading, and a mark of what exists before anyone acts."""
        with self.emulator.lock:
            self._mark = (
                self.summary.edits if self.summary else 0,
                self.announcement.edits if self.announcement else 0,
                {c.id: self.lines_in(c) for c in (self.channel, self.incidents) if c},
            )
        self.write("")
        self.write(f"── {text} " + "─" * max(2, 74 - len(text)))

    def command(self, user: str, command: str, text: str, channel_id: str) -> dict:
        typed = f"{command} {text}".strip()
        self.write(
            f"{self.watcher.person(user)} types in {self.watcher.place(channel_id)}: {typed}"
        )
        sent = self.emulator.slash_command(command, text, user=user, channel=channel_id)
        self.watcher.expect_replies(sent["response_url"], user)
        return sent

    def click(self, user: str, label: str, message) -> dict:
        button = self.button(message, label)
        where = self.watcher.place(message.channel)
        self.write(f"{self.watcher.person(user)} clicks [{label}] on the message in {where}")
        clicked = self.emulator.click(
            button["action_id"], button.get("value", ""), user=user, message=message
        )
        self.watcher.expect_replies(clicked["response_url"], user)
        return clicked

    def fill_in(self, user: str, trigger_id: str, **answers) -> None:
        """Wait for the modal the trigger opens, show it, and submit it with `answers`."""
        view = self.emulator.view_opened_by(trigger_id, timeout=STEP_TIMEOUT)
        self.watcher.look()
        shown = ", ".join(f"{key} = {self._answer(value)}" for key, value in answers.items())
        self.write(f"{self.watcher.person(user)} fills it in ({shown}) and submits")
        submitted = self.emulator.submit_view(view["id"], modal_values(view, **answers), user=user)
        if submitted["payload"]:
            raise DemoFailed(f"the modal refused the answers: {submitted['payload']}")

    def _answer(self, value: str) -> str:
        return self.watcher.names.user(value) if value in self.emulator.users else repr(value)

    @staticmethod
    def button(message, label: str) -> dict:
        for block in message.blocks:
            for element in block.get("elements") or [block.get("accessory") or {}]:
                if element.get("type") == "button" and element["text"]["text"] == label:
                    return element
        raise DemoFailed(f"no [{label}] button on the message")

    # ----- waiting for Klaxon -----

    def until(self, what: str, predicate) -> None:
        try:
            self.emulator.wait_for(predicate, timeout=STEP_TIMEOUT, what=what)
        except AssertionError as error:
            raise DemoFailed(str(error)) from None

    def replied(self, sent: dict) -> Callable[[], bool]:
        return lambda: bool(self.emulator.replies(sent["response_url"]))

    def lines_in(self, channel) -> int:
        return len([m for m in self.emulator.messages_in(channel.id) if not m.ephemeral_to])

    def after(self, sent: dict, *, summary=True, announcement=True, lines=()) -> None:
        """Wait for the reply to `sent`, the summary and announcement edits, and the new
        lines since the step began (`lines` names a channel once per line expected in it),
        then print what changed."""
        summary_edits, announced_edits, counts = self._mark
        if sent.get("response_url"):
            self.until("Klaxon's reply", self.replied(sent))
        if summary:
            self.until("the summary edited", lambda: self.summary.edits > summary_edits)
        if announcement:
            self.until("the announcement edited", lambda: self.announcement.edits > announced_edits)
        for channel in {channel.id: channel for channel in lines}.values():
            expected = counts[channel.id] + sum(c.id == channel.id for c in lines)
            self.until(
                f"new lines in #{channel.name}",
                lambda channel=channel, expected=expected: self.lines_in(channel) >= expected,
            )
        self.watcher.look()

    # ----- the story -----

    def play(self) -> None:
        self.declare()
        self.acknowledge()
        self.update()
        self.follow_up()
        self.resolve()

    def declare(self) -> None:
        self.step("1. Alice declares an incident from #general")
        before = set(self.emulator.channels)
        sent = self.command(ALICE, "/incident", TITLE, self.general.id)
        self.fill_in(
            ALICE,
            sent["trigger_id"],
            severity="SEV2",
            impact="Customers in the EU cannot pay by card",
            lead=BOB,
        )
        self.until("Alice's confirmation", self.replied(sent))  # it comes last
        [channel_id] = [
            c
            for c in self.emulator.channels
            if c not in before and self.emulator.channels[c].creator == BOT_USER
        ]
        self.channel = self.emulator.channels[channel_id]
        [self.summary] = [
            m
            for m in self.emulator.messages_in(channel_id)
            if (channel_id, m.ts) in self.emulator.pins
        ]
        link = f"<#{channel_id}>"  # the announcement links to the new channel
        [self.announcement] = [
            m
            for m in self.emulator.messages_in(self.incidents.id)
            if m.user == BOT_USER and link in json.dumps(m.blocks)
        ]
        self.watcher.look()

    def acknowledge(self) -> None:
        self.step("2. Bob, on call, acknowledges it")
        sent = self.command(BOB, "/incident-ack", "", self.channel.id)
        self.after(sent, lines=[self.channel])

    def update(self) -> None:
        self.step("3. Alice posts an update and moves it to monitoring")
        clicked = self.click(ALICE, "Update", self.summary)
        self.fill_in(
            ALICE,
            clicked["trigger_id"],
            status="monitoring",
            note="Rolled back release 1.42; card payments are recovering",
        )
        self.after({}, lines=[self.channel, self.channel])  # the note, the new status

    def follow_up(self) -> None:
        self.step("4. Carol, from support, joins and adds a follow-up")
        self.write(f"carol read the announcement in #incidents and joins #{self.channel.name}")
        with self.emulator.lock:
            self.channel.members.add(CAROL)
        sent = self.command(
            CAROL, "/incident", "followup Alert on failed card payments", self.channel.id
        )
        self.after(sent, lines=[self.channel])

    def resolve(self) -> None:
        self.step("5. Bob resolves it; Klaxon posts the post-incident report")
        clicked = self.click(BOB, "Resolve", self.summary)
        self.fill_in(
            BOB,
            clicked["trigger_id"],
            resolution="Release 1.42 rolled back; a bad payments-client timeout is the cause",
        )
        # "resolved by", then the report, in the channel; "resolved" in #incidents.
        self.after({}, lines=[self.channel, self.channel, self.incidents])
