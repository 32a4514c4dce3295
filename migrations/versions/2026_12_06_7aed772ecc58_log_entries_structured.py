"""log entries structured: the facts naming each entry's target, for every language

Log entries named their target in English only ("amendment FRA Rev.1 OP3", "Zero draft").
From now on `details["target"]` holds the facts (kind, delegation, version, paragraph…) and
pages word them in the reader's language (consult/moderation/log_text.py). This fills
`details["target"]` of the existing entries from their stored `target_label`, read as the
code that wrote it built it: `<kind> <delegation code> <version label>[ <paragraph label>]`
for submissions, the version's label for versions. `target_label` itself is kept as it was.

The log is append-only, and its trigger refuses any UPDATE: it is dropped for this one
update and created again exactly as migration 44b3ba872aa3 created it.

Revision ID: 7aed772ecc58
Revises: a7f3c2d9e1b0
Create Date: 2026-12-06 04:00:00.000000
"""
import re

from alembic import op
import sqlalchemy as sa


revision = '7aed772ecc58'
down_revision = 'a7f3c2d9e1b0'
branch_labels = None
depends_on = None

# As migration 44b3ba872aa3 wrote them (the PostgreSQL function is left in place).
SQLITE_TRIGGER = ("CREATE TRIGGER log_entry_no_update BEFORE UPDATE ON log_entry "
                  "BEGIN SELECT RAISE(ABORT, 'the moderation log is append-only'); END")
POSTGRES_TRIGGER = ("CREATE TRIGGER log_entry_no_update BEFORE UPDATE OR DELETE ON log_entry "
                    "FOR EACH ROW EXECUTE FUNCTION log_entry_append_only()")

KINDS = ("comment", "amendment", "support", "statement")
# PP3, OP12, OP9(a), OP7(1), H2, OP7bis, Art.2-OP1, H5-OP1-2 (drafts/parsing.py).
PARAGRAPH_LABEL = re.compile(r"^(?:\S+-)?(?:PP|OP|H)\d+\S*$")
BATCH = 500

log_entry = sa.table(
    "log_entry", sa.column("id", sa.Integer), sa.column("consultation_id", sa.Integer),
    sa.column("target_type", sa.String), sa.column("target_id", sa.Integer),
    sa.column("target_label", sa.String), sa.column("details", sa.JSON))
submission = sa.table(
    "submission", sa.column("id", sa.Integer), sa.column("kind", sa.String),
    sa.column("parent_id", sa.Integer), sa.column("delegation_id", sa.Integer),
    sa.column("version_id", sa.Integer), sa.column("paragraph_id", sa.Integer))
delegation = sa.table("delegation", sa.column("id", sa.Integer), sa.column("code", sa.String))
version = sa.table("version", sa.column("id", sa.Integer),
                   sa.column("consultation_id", sa.Integer), sa.column("label", sa.String),
                   sa.column("symbol", sa.String))
paragraph = sa.table("paragraph", sa.column("id", sa.Integer), sa.column("label", sa.String))


def _without_trigger(change) -> None:
    """Run `change` with the append-only trigger dropped, then create it again."""
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute("DROP TRIGGER IF EXISTS log_entry_no_update" + (" ON log_entry" if postgres
                                                               else ""))
    change(op.get_bind())
    op.execute(POSTGRES_TRIGGER if postgres else SQLITE_TRIGGER)


def _entries(connection):
    last = 0
    while True:
        rows = connection.execute(
            sa.select(log_entry).where(log_entry.c.id > last)
            .order_by(log_entry.c.id).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _submissions(connection, ids) -> dict:
    """What the database still says about these submissions (all kept: nothing is deleted)."""
    if not ids:
        return {}
    parent = submission.alias("parent")
    parent_delegation = delegation.alias("parent_delegation")
    rows = connection.execute(
        sa.select(submission.c.id, submission.c.kind, submission.c.parent_id,
                  delegation.c.code, version.c.label.label("version_label"),
                  paragraph.c.label.label("paragraph"),
                  parent_delegation.c.code.label("parent_code"))
        .select_from(submission.join(delegation, delegation.c.id == submission.c.delegation_id)
                     .join(version, version.c.id == submission.c.version_id)
                     .outerjoin(paragraph, paragraph.c.id == submission.c.paragraph_id)
                     .outerjoin(parent, parent.c.id == submission.c.parent_id)
                     .outerjoin(parent_delegation,
                                parent_delegation.c.id == parent.c.delegation_id))
        .where(submission.c.id.in_(ids))).all()
    return {row.id: row for row in rows}


def _split_place(rest: str, known_labels) -> tuple[str, str | None]:
    """'Zero draft PP2' → ('Zero draft', 'PP2'): version labels may hold spaces."""
    for known in known_labels:
        if rest == known:
            return known, None
        if rest.startswith(known + " ") and " " not in rest[len(known) + 1:]:
            return known, rest[len(known) + 1:]
    head, _space, tail = rest.rpartition(" ")
    if head and PARAGRAPH_LABEL.match(tail):
        return head, tail
    return rest, None


def submission_facts(label: str, row, known_labels) -> dict | None:
    """The facts in a stored submission label, with what the label never said (reply,
    proposer of a supported amendment) from the database."""
    parts = (label or "").split(" ", 2)
    if len(parts) == 3 and parts[0] in KINDS and parts[1]:
        kind, code, rest = parts
        labels = ([row.version_label] if row is not None else []) + list(known_labels)
        version_label, place = _split_place(rest, labels)
    elif row is not None:  # an unexpected label: the database still knows the target
        kind, code, version_label, place = (row.kind, row.code, row.version_label,
                                            row.paragraph)
    else:
        return None
    return {
        "kind": kind,
        "reply": kind == "comment" and row is not None and row.parent_id is not None,
        "delegation": code,
        "proposer": row.parent_code if kind == "support" and row is not None else None,
        "version_label": version_label,
        "paragraph": place,
    }


def _add_facts(connection) -> None:
    versions = connection.execute(sa.select(version.c.id, version.c.consultation_id,
                                            version.c.label, version.c.symbol)).all()
    by_id = {v.id: v for v in versions}
    labels_of: dict = {}
    for v in versions:
        labels_of.setdefault(v.consultation_id, []).append(v.label)
    for labels in labels_of.values():
        labels.sort(key=len, reverse=True)  # "Rev.1 final" before "Rev.1"
    for rows in _entries(connection):
        found = _submissions(connection, [r.target_id for r in rows
                                          if r.target_type == "submission" and r.target_id])
        changes = []
        for entry in rows:
            details = dict(entry.details or {})
            if isinstance(details.get("target"), dict):
                continue
            if entry.target_type == "submission":
                facts = submission_facts(entry.target_label, found.get(entry.target_id),
                                         labels_of.get(entry.consultation_id, []))
            elif entry.target_type == "version":
                row = by_id.get(entry.target_id)
                facts = {"version_label": entry.target_label or (row.label if row else ""),
                         "symbol": (row.symbol or None) if row is not None else None}
            else:
                facts = None
            if facts is not None:
                details["target"] = facts
                changes.append({"entry_id": entry.id, "new_details": details})
        if changes:
            connection.execute(
                log_entry.update().where(log_entry.c.id == sa.bindparam("entry_id"))
                .values(details=sa.bindparam("new_details")), changes)


def _remove_facts(connection) -> None:
    for rows in _entries(connection):
        changes = [{"entry_id": r.id,
                    "new_details": {k: v for k, v in r.details.items() if k != "target"}}
                   for r in rows if isinstance(r.details, dict) and "target" in r.details]
        if changes:
            connection.execute(
                log_entry.update().where(log_entry.c.id == sa.bindparam("entry_id"))
                .values(details=sa.bindparam("new_details")), changes)


def upgrade() -> None:
    _without_trigger(_add_facts)


def downgrade() -> None:
    _without_trigger(_remove_facts)
