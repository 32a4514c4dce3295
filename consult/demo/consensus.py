"""The demo's road to consensus: paragraph statuses, a silence procedure broken by a Member
State, and (in a second consultation on the same plan) a text adopted under silence."""

from __future__ import annotations

import datetime as dt

from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.negotiation import silence, status
from consult.permissions import COMMAND_LINE

RECORD_SLUG = "gpa-consensus"
RECORD = {
    "title": "Global Plan of Action to Combat Trafficking in Persons: the road to consensus",
    "mandate": "General Assembly resolution 64/178 of 18 December 2009 (A/RES/64/178), "
               "paragraph 8",
    "cofacilitators": "The Permanent Representative of Portugal and the Permanent "
                      "Representative of Cabo Verde to the United Nations",
    "description": "A rehearsal of the end of the negotiation on the same texts: Rev.1 "
                   "still brackets three proposals; the co-facilitators record the other "
                   "paragraphs as agreed and put Rev.1 under silence procedure; Egypt breaks "
                   "silence on operative paragraph 9; Rev.2 settles the brackets and is "
                   "adopted under silence procedure.",
    "reference_date": dt.date(2010, 3, 1),
}
# Rev.1 of the record carries the proposals still bracketed; Rev.2 settles them. (before,
# Rev.1, Rev.2) for each change of the shared demo text.
CHANGES = [
    ("are not detained, charged or punished",
     "are not detained, charged or punished[, in accordance with the basic principles of "
     "their domestic legal systems,]",
     "are not detained, charged or punished, in accordance with the basic principles of "
     "their domestic legal systems,"),
    ("15. *Decides* to establish a United Nations voluntary trust fund",
     "15. [*Decides* to establish][*Recommends* the establishment of] a United Nations "
     "voluntary trust fund",
     "15. *Decides* to establish a United Nations voluntary trust fund"),
    ("and other donors to contribute to the fund",
     "and other donors to contribute [generously] to the fund",
     "and other donors to contribute generously to the fund"),
]
OPEN_IN_REV1 = ("OP7", "OP9", "OP15")
EGYPT_STATEMENT = ("Egypt cannot join consensus on operative paragraph 9 as drafted: the "
                   "principle of non-punishment of victims must be applied in accordance with "
                   "the basic principles of each State's legal system. We stand ready to "
                   "agree on wording to that effect.")
SILENCE_MESSAGE = ("The co-facilitators place the text under silence procedure. Delegations "
                   "that cannot join consensus are requested to break silence before the "
                   "deadline, stating their reasons in writing.")
AGREED = ["OP1", "OP2", "OP3", "OP4", "OP5", "OP6", "OP8", "OP10", "OP11", "OP12", "OP13",
          "OP14", "OP15", "OP16", "OP17", "OP18", "OP19", "OP20", "OP21", "OP22", "OP23",
          "OP24", "OP25"]


def _existing(version, labels):
    present = {p.label for p in version.paragraphs}
    return [label for label in labels if label in present]


def record_statuses_and_a_broken_silence(cofacilitator, version, objector) -> None:
    """On the open consultation's newest text: statuses, and a silence broken at once."""
    now = utcnow()
    status.set_paragraph_statuses(cofacilitator, version, _existing(version, AGREED[:8]),
                                  "agreed", "Agreed in informal consultations.", now=now)
    status.set_paragraph_statuses(cofacilitator, version, _existing(version, ["OP9"]),
                                  "agreed_ad_ref", "Pending confirmation from capitals.",
                                  now=now)
    silence.start_silence(cofacilitator, version, until=now + dt.timedelta(hours=72),
                          message=SILENCE_MESSAGE, now=now)
    silence.break_silence(objector, version, statement=EGYPT_STATEMENT, language="en",
                          now=now + dt.timedelta(minutes=1))


def load_consensus_record(cofacilitators, objector, read_text, log=print) -> None:
    """The second consultation: the whole road, ending in adoption under silence."""
    cofacilitator = cofacilitators[0]
    record = drafts.create_consultation(COMMAND_LINE, slug=RECORD_SLUG, **RECORD)
    for account in cofacilitators:
        drafts.assign_cofacilitator(COMMAND_LINE, record, account)
    start = utcnow().replace(microsecond=0) - dt.timedelta(days=40)

    def publish(label, text, day):
        version = drafts.create_version(cofacilitator, record, label=label, text=text)
        drafts.publish_version(cofacilitator, version, now=start + dt.timedelta(days=day))
        return version

    publish("Zero draft", read_text("gpa-zero-draft.md"), 0)
    rev1_text = rev2_text = read_text("gpa-rev1.md")
    for before, bracketed, settled in CHANGES:
        assert before in rev1_text, before  # the shared demo text still reads so
        rev1_text = rev1_text.replace(before, bracketed)
        rev2_text = rev2_text.replace(before, settled)
    rev1 = publish("Rev.1", rev1_text, 10)
    # Everything but the bracketed paragraphs and OP7 is agreed before the silence.
    everything_else = [p.label for p in rev1.paragraphs
                       if not p.label.startswith(OPEN_IN_REV1)]
    status.set_paragraph_statuses(cofacilitator, rev1, everything_else, "agreed",
                                  "Agreed in informal consultations.",
                                  now=start + dt.timedelta(days=14))
    status.set_paragraph_statuses(cofacilitator, rev1, _existing(rev1, ["OP9"]),
                                  "agreed_ad_ref", "Pending confirmation from capitals.",
                                  now=start + dt.timedelta(days=14))
    status.set_paragraph_statuses(cofacilitator, rev1, _existing(rev1, ["OP7"]), "deleted",
                                  "Covered by the 2030 Agenda; deleted by agreement.",
                                  now=start + dt.timedelta(days=14))
    silence.start_silence(cofacilitator, rev1, until=start + dt.timedelta(days=18),
                          message=SILENCE_MESSAGE, now=start + dt.timedelta(days=15))
    silence.break_silence(objector, rev1, statement=EGYPT_STATEMENT, language="en",
                          now=start + dt.timedelta(days=16, hours=3))
    rev2 = publish("Rev.2", rev2_text, 22)
    status.set_paragraph_statuses(cofacilitator, rev2,
                                  [p.label for p in rev2.paragraphs
                                   if p.label.startswith(("OP9", "OP15"))], "agreed",
                                  "Agreed as amended after the silence was broken.",
                                  now=start + dt.timedelta(days=24))
    silence.start_silence(cofacilitator, rev2, until=start + dt.timedelta(days=28),
                          message=SILENCE_MESSAGE, now=start + dt.timedelta(days=25))
    db.session.flush()
    silence.settle_due(record.id, now=utcnow())
    log(f"consultation {RECORD_SLUG}: Zero draft, Rev.1 (silence broken by Egypt), Rev.2 "
        "adopted under silence procedure")
