"""Recording on the public log, in the caller's transaction, and the facts that name what
an entry acted on (put into words at reading time by `consult.moderation.log_text`)."""

from __future__ import annotations

from consult.audit.models import LogEntry
from consult.db import db, utcnow


def record_action(actor, action: str, target_type: str, target_id: int | None, *,
                  consultation_id: int | None, target_label: str = "", reason: str = "",
                  details: dict | None = None, target_facts: dict | None = None,
                  at=None) -> LogEntry:
    """Append one entry to the public log in the caller's transaction.

    `target_facts` (from `submission_facts` / `version_facts`) name the target
    for readers in any language; they go into `details["target"]`, and `target_label`
    defaults to the English label made from them. `reason` is only ever words a person
    typed: the software's own words are codes in `details`.
    """
    details = dict(details or {})
    if target_facts is not None:
        details["target"] = target_facts
        target_label = target_label or english_label(target_type, target_facts)
    # The command line (permissions.COMMAND_LINE) and scheduled work have no account: the
    # log names them "system", whatever rights they act with.
    system = getattr(actor, "id", None) is None
    entry = LogEntry(
        at=at or utcnow(),
        consultation_id=consultation_id,
        actor_id=None if system else actor.id,
        actor_name="system" if system else actor.name,
        actor_role="system" if system else actor.role.value,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        reason=reason,
        details=details,
    )
    db.session.add(entry)
    return entry


# --- what names the target --------------------------------------------------------------------


def submission_facts(submission) -> dict:
    """The facts that name a submission in the log, without quoting any of its text."""
    parent = submission.parent if submission.parent_id is not None else None
    kind = submission.kind.value
    return {
        "kind": kind,
        "reply": kind == "comment" and parent is not None,
        "delegation": submission.delegation.code,
        # A support names the amendment it supports by its proposer.
        "proposer": parent.delegation.code if kind == "support" and parent is not None
        else None,
        "version_label": submission.version.label,
        "paragraph": submission.paragraph.label if submission.paragraph is not None else None,
    }


def version_facts(version) -> dict:
    """The facts that name a version in the log."""
    return {"version_label": version.label, "symbol": version.symbol or None}


def english_label(target_type: str, facts: dict) -> str:
    """The label the log stored before it stored facts ("amendment FRA Rev.1 OP3").

    Kept in `target_label` for the programs and exports that read it; pages never show it.
    """
    if target_type == "version":
        return facts.get("version_label") or ""
    return " ".join(filter(None, (facts.get("kind"), facts.get("delegation"),
                                  facts.get("version_label"), facts.get("paragraph"))))


def target_facts(entry) -> dict | None:
    """The recorded facts about an entry's target, or None for an entry without them."""
    facts = (entry.details or {}).get("target")
    return facts if isinstance(facts, dict) else None
