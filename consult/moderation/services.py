"""Writing to the public moderation log."""

from __future__ import annotations

from consult.db import db, utcnow
from consult.moderation.models import LogEntry


def record_action(actor, action: str, target_type: str, target_id: int | None, *,
                  consultation_id: int | None, target_label: str = "", reason: str = "",
                  details: dict | None = None, at=None) -> LogEntry:
    """Append one entry to the public log in the caller's transaction."""
    entry = LogEntry(
        at=at or utcnow(),
        consultation_id=consultation_id,
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "name", None) or "system",
        actor_role=actor.role.value if getattr(actor, "role", None) else "system",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        reason=reason,
        details=details or {},
    )
    db.session.add(entry)
    return entry
