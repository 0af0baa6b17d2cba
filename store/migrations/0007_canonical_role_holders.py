"""Email holders of stored role grants in their canonical form (stripped, case-folded), so
`Ops@Example.com` granted before this release matches the `ops@example.com` of a JWT.

Where one role was granted under several spellings, one grant stays: the one already in
canonical form, else the earliest.
"""


def _canonical(holder: str) -> str:
    # The rule of store.roles.canonical_holder at the time of this migration.
    holder = holder.strip()
    return holder.casefold() if "@" in holder[1:] else holder


def up(migrator, db):
    rows = db.execute_sql("SELECT id, role, holder FROM role_grant ORDER BY granted_at, id")
    rows = rows.fetchall()
    kept = {(role, holder) for _, role, holder in rows if _canonical(holder) == holder}
    with db.atomic():
        for row_id, role, holder in rows:
            canonical = _canonical(holder)
            if canonical == holder:
                continue
            if (role, canonical) in kept:
                db.execute_sql(f"DELETE FROM role_grant WHERE id = {db.param}", (row_id,))
                continue
            db.execute_sql(
                f"UPDATE role_grant SET holder = {db.param} WHERE id = {db.param}",
                (canonical, row_id),
            )
            kept.add((role, canonical))


def down(migrator, db):
    """The original spellings are gone; the canonical ones match them all the same."""
