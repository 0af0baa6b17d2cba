"""`klaxon forget --user U…|email [--user …] [--yes]`: remove or anonymise one person's data
(store/personal_data.py says where it lives and what happens to each column). Without
--yes it shows what would change and changes nothing. The audit record it writes names the
pseudonym and the counts, never the person."""

from __future__ import annotations

import sys

from cli.shared import open_store, operator
from settings import config as configuration
from settings.errors import ConfigError


def forget(args) -> int:
    from store import audit
    from store import forget as forgetting

    try:
        person = forgetting.Person.of(args.user)
    except ValueError as error:
        raise ConfigError(f"forget: --user: {error}") from None
    config = configuration.load(require_tokens=False)
    database = open_store()
    try:
        pseudonym = forgetting.new_pseudonym()
        changes = forgetting.forget(person, pseudonym, dry_run=not args.yes)
        if args.yes:
            audit.record(
                "person_forgotten",
                actor_id=operator(),
                pseudonym=pseudonym,
                changed=changes.counts,
            )
    finally:
        database.close()
    verb = "changed" if args.yes else "would change"
    if not changes.counts:
        print("nothing stored names this person")
    for column, count in sorted(changes.counts.items()):
        print(f"{verb} {count:>6} {column}")
    if args.yes and changes.counts:
        print(f"the audit trail now calls this person {pseudonym}")
    elif changes.counts:
        print("nothing was changed: run again with --yes to do it")
    for role, holders in sorted(config.roles.items()):
        named = set(holders) & {*person.user_ids, *person.emails}
        if named:
            print(
                f"still named in [roles].{role} of the config file: remove "
                f"{', '.join(sorted(named))} there",
                file=sys.stderr,
            )
    return 0
