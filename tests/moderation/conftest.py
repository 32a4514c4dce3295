"""Fixtures for moderation: those of participation, plus a thread to moderate."""

import pytest

from consult.comments import services as comments
from consult.db import db
from tests.comments.conftest import can, fra, nor, paragraph, version  # noqa: F401


@pytest.fixture
def thread(version, fra, nor, can):  # noqa: F811
    """On OP1: FRA's amendment, NOR's reply to it, CAN's reply to the reply, NOR's support."""
    op1 = paragraph(version, "OP1")
    amendment = comments.propose_amendment(
        fra, op1, "*Calls upon* Member States to act at once;", "Explanation zanzibarword")
    reply = comments.post_comment(nor, op1, "Reply quetzalword", parent_id=amendment.id)
    deeper = comments.post_comment(can, op1, "Deeper reply ocelotword", parent_id=reply.id)
    support = comments.support_amendment(nor, amendment)
    db.session.commit()
    return {"amendment": amendment, "reply": reply, "deeper": deeper, "support": support,
            "paragraph": op1}
