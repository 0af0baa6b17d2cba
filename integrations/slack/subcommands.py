"""Reading `/incident <subcommand> …`, the keyboard way to run an incident."""

from __future__ import annotations

import re
from dataclasses import dataclass

from incident.vocabulary import LIMITS, SETTABLE_STATUSES, SLACK_USER_ID
from integrations.slack.replies import too_long
from integrations.slack.text import clean

USER_MENTION = re.compile(rf"<@({SLACK_USER_ID.pattern})(?:\|[^>]*)?>")
HELP = """*Klaxon: /incident*
Anywhere:
• `/incident [title]`: declare an incident (a short form opens)
• `/incident-ack [INC-42]`: acknowledge (ops role)
• `/incident help`: this list
Inside an incident channel:
• `/incident status acknowledged|monitoring|resolved`
• `/incident sev 1-4`: change the severity (SEV1 is the worst)
• `/incident lead @person` (or `lead me`)
• `/incident title …` · `/incident summary …` (the description) · `/incident impact …`
• `/incident note …`: post an update (resets the nudge clock)
• `/incident followup …`: add a follow-up action
• `/incident resolve [what fixed it]`
• `/incident rootcause …`: record the root cause (for the report)
• `/incident timeline`: add an entry at the time it happened, or remove one (a form opens)
• `/incident report`: post the post-incident report
• `/incident statuspage`: publish to the public status page (a form opens);
  `/incident statuspage [status] [Component=impact …] message` posts a further public update
• `/incident type <type>`: change the incident's type ([types] in the config)
• `/incident role <role> @person` (or `role <role> me`): give a role beside the lead"""


@dataclass(frozen=True)
class Subcommand:
    name: str  # status | severity | lead | title | description | impact | note | followup |
    #            resolve | report | help | statuspage | type | role | rootcause | timeline
    value: str = ""


class SubcommandError(ValueError):
    """A subcommand with a bad argument; the message says how to write it."""


_ALIASES = {
    "status": "status",
    "sev": "severity",
    "severity": "severity",
    "lead": "lead",
    "title": "title",
    "summary": "description",
    "description": "description",
    "impact": "impact",
    "note": "note",
    "update": "note",
    "followup": "followup",
    "follow-up": "followup",
    "resolve": "resolve",
    "report": "report",
    "help": "help",
    "statuspage": "statuspage",
    "status-page": "statuspage",
    "type": "type",
    "role": "role",
    "rootcause": "rootcause",
    "timeline": "timeline",
    "root-cause": "rootcause",
}
_NEEDS_TEXT = {"title", "description", "impact", "note", "followup", "rootcause"}


def parse(text: str, *, user_id: str) -> Subcommand | None:
    """The subcommand in `text`, or None when the text is not one (it is then a title).

    Raises SubcommandError for a subcommand word with an argument that cannot be right.
    """
    words = clean(text).split(maxsplit=1)
    if not words or words[0].lower() not in _ALIASES:
        return None
    name = _ALIASES[words[0].lower()]
    rest = words[1].strip() if len(words) > 1 else ""
    if name in ("report", "help", "timeline"):
        if rest:
            raise SubcommandError(f"`/incident {name}` takes nothing after it.")
        return Subcommand(name)
    if name == "status":
        value = rest.lower()
        if value == "open":
            raise SubcommandError("An incident cannot go back to open.")
        if value not in SETTABLE_STATUSES:
            raise SubcommandError("Use `/incident status acknowledged|monitoring|resolved`.")
        return Subcommand(name, value)
    if name == "severity":
        match = re.fullmatch(r"(?:sev)?\s*([1-4])", rest, re.IGNORECASE)
        if not match:
            raise SubcommandError("Use `/incident sev 1` to `/incident sev 4` (1 is the worst).")
        return Subcommand(name, f"SEV{match.group(1)}")
    if name == "lead":
        if rest.lower() == "me":
            return Subcommand(name, user_id)
        match = USER_MENTION.fullmatch(rest)
        if not match:
            raise SubcommandError("Use `/incident lead @person` or `/incident lead me`.")
        return Subcommand(name, match.group(1))
    if name == "type":
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,30}", rest):
            raise SubcommandError("Use `/incident type <type>`, e.g. `/incident type security`.")
        return Subcommand(name, rest.lower())
    if name == "role":
        return _role(rest, user_id)
    if name in _NEEDS_TEXT and not rest:
        raise SubcommandError(f"Write the text after it: `/incident {words[0].lower()} …`.")
    if name == "followup" and len(rest) > LIMITS["follow_up"]:
        raise SubcommandError(too_long("follow_up"))
    if name == "rootcause" and len(rest) > LIMITS["root_cause"]:
        raise SubcommandError(too_long("root_cause"))
    return Subcommand(name, rest)


def _role(rest: str, user_id: str) -> Subcommand:
    """`role <role> @person` or `role <role> me`; the value is "<role> <user id>"."""
    words = rest.split()
    usage = "Use `/incident role <role> @person` or `/incident role <role> me`."
    if len(words) != 2 or not re.fullmatch(r"[A-Za-z0-9_-]{1,30}", words[0]):
        raise SubcommandError(usage)
    if words[1].lower() == "me":
        return Subcommand("role", f"{words[0].lower()} {user_id}")
    match = USER_MENTION.fullmatch(words[1])
    if not match:
        raise SubcommandError(usage)
    return Subcommand("role", f"{words[0].lower()} {match.group(1)}")
