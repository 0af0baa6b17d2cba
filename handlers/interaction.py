"""The one helper every listener uses to run a use case for the person who asked.

A listener reads its payload, acks, and then either

- `run(...)`: hands the use case to the background pool with the log context; the outcome
  becomes the reply (wording from `integrations.slack.replies`); if the database is away
  the person is told to try again;
- `right_away(...)`: for a modal to open, whose trigger_id lives 3 seconds: the listener's
  own function runs at once on threads reserved for that, never queued behind the
  background pool's declarations and alerts. (A command's or a click's listener runs on
  the thread that reads the Socket Mode connection, right after its ack: a Slack round
  trip there would hold up every interaction behind it.) No database query runs before
  views.open unless the modal shows the incident; or
- `run_here(...)`: runs it in the listener's thread with a database connection of its own,
  when the listener needs the outcome to ack (inline form errors); `DATABASE_AWAY` when
  the database is away.

Either way the use case is called as `use_case(services, caller, *args, **kwargs)`, where
the caller carries the permission the listener declares for the interaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import peewee

from incident.access import Caller
from incident.services import Services
from incident.vocabulary import Actor, Permission
from integrations.slack.replies import TRY_AGAIN, Reply, reply

# What run_here returns when the database cannot be reached (nothing was changed).
DATABASE_AWAY = object()


@dataclass(frozen=True)
class Interaction:
    services: Services
    user_id: str
    response_url: str | None
    request_id: str | None

    def caller(self, permission: Permission) -> Caller:
        return Caller(Actor(user_id=self.user_id), permission, self.request_id)

    def answer(self, answer: Reply | str | None) -> None:
        """Tell the person, where they asked (else by direct message); None says nothing."""
        if answer is None:
            return
        if isinstance(answer, str):
            answer = Reply(answer)
        reply(
            self.services.slack,
            user_id=self.user_id,
            response_url=self.response_url,
            text=answer.text,
            blocks=answer.blocks,
        )

    def say(self, answer: Reply | str | None) -> None:
        """`answer` from the background pool, so the listener's thread never waits on it."""
        self.services.background.submit("answer", self.answer, answer)

    def run(
        self,
        name: str,
        permission: Permission,
        use_case: Callable[..., Any],
        *args,
        reply_with: Callable[[Any], Reply | str | None],
        **kwargs,
    ) -> None:
        """Run the use case on the background pool and answer with `reply_with(outcome)`."""

        caller = self.caller(permission)
        self.finish(name, use_case, caller, *args, reply_with=reply_with, **kwargs)

    def finish(
        self,
        name: str,
        task: Callable[..., Any],
        *args,
        reply_with: Callable[[Any], Reply | str | None],
        **kwargs,
    ) -> None:
        """`task(services, *args, **kwargs)` on the background pool, answered with
        `reply_with(outcome)`: for `run`, and for the rest of work already allowed (the
        declaration's Slack steps after the incident is recorded)."""

        def work() -> None:
            self.answer(reply_with(task(self.services, *args, **kwargs)))

        self.services.background.submit(
            name, work, on_database_error=lambda: self.answer(TRY_AGAIN)
        )

    def right_away(self, name: str, task: Callable[..., Any], *args) -> None:
        """`task(self, *args)` at once on the threads kept for trigger-bound work."""
        self.services.background.submit(
            name,
            task,
            self,
            *args,
            right_away=True,
            on_database_error=lambda: self.answer(TRY_AGAIN),
        )

    def call(self, permission: Permission, use_case: Callable[..., Any], *args, **kwargs) -> Any:
        """The use case, in this thread (inside `right_away` work, which has a connection)."""
        return use_case(self.services, self.caller(permission), *args, **kwargs)

    def run_here(
        self, permission: Permission, use_case: Callable[..., Any], *args, **kwargs
    ) -> Any:
        """Run the use case now, in this thread; DATABASE_AWAY if the database is away."""
        try:
            with self.services.database.connection_context():
                return self.call(permission, use_case, *args, **kwargs)
        except (peewee.OperationalError, peewee.InterfaceError):
            return DATABASE_AWAY


def of_command(ack, command: dict, context) -> Interaction:
    """Ack a slash command and start its interaction."""
    ack()
    return Interaction(
        context["services"], command["user_id"], command.get("response_url"), context["request_id"]
    )


def of_action(ack, body: dict, context) -> Interaction:
    """Ack a button or menu and start its interaction."""
    ack()
    return of_submission(body, context)


def of_submission(body: dict, context) -> Interaction:
    """A view submission's interaction; the listener acks (with its inline errors, if any)."""
    return Interaction(
        context["services"], body["user"]["id"], body.get("response_url"), context["request_id"]
    )


def in_background(context, name: str, task: Callable[..., Any], *args, **kwargs) -> None:
    """For events nobody waits an answer to: `task(services, *args, **kwargs)` on the pool."""
    services = context["services"]
    services.background.submit(name, task, services, *args, **kwargs)
