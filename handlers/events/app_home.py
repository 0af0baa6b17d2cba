"""app_home_opened: a person opened Klaxon's Home tab; it is built afresh and published."""

from __future__ import annotations

from handlers.interaction import in_background
from integrations.slack import home


def app_home_opened(event: dict, context) -> None:
    if event.get("tab") != "home" or not event.get("user"):
        return  # the Messages tab: nothing to publish
    in_background(context, "publish_home", home.publish, event["user"], context["request_id"])


def register(app) -> None:
    app.event("app_home_opened")(app_home_opened)
