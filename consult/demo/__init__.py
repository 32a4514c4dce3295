"""The demo: the Global Plan of Action consultation (2010) and the COP21 texts (2015)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from consult.auth import services as auth
from consult.auth.models import User
from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.drafts.models import Consultation, ConsultationStatus

HERE = Path(__file__).parent
DEMO_PASSWORD = "consult-demo-2010"

GPA_SLUG = "gpa-trafficking"
GPA = {
    "title": "Global Plan of Action to Combat Trafficking in Persons",
    "mandate": "General Assembly resolution 64/178 of 18 December 2009 (A/RES/64/178), "
               "paragraph 8",
    "cofacilitators": "The Permanent Representative of Portugal to the United Nations\n"
                      "The Permanent Representative of Cabo Verde (Cape Verde in 2010) to the "
                      "United Nations",
    "description": "The General Assembly welcomed the appointment by its President of "
                   "co-facilitators to hold open, inclusive and transparent consultations with "
                   "Member States on a United Nations global plan of action to prevent "
                   "trafficking in persons, prosecute traffickers and protect and assist "
                   "victims. This consultation gathers the comments and proposals of "
                   "delegations on each draft of the plan.",
    "reference_date": dt.date(2010, 3, 1),
}

COP21_SLUG = "cop21-paris"
# (label, file, symbol, date of the text): the COP21 record is historical, so its versions
# carry their real dates and the consultation is closed.
COP21_VERSIONS = [
    ("23 October 2015", "23-oct-2015.md", "ADP.2015.L.1", dt.date(2015, 10, 23)),
    ("4 December 2015", "4-dec-2015.md", "ADP.2015.L.6", dt.date(2015, 12, 4)),
    ("9 December 2015", "9-dec-2015.md", None, dt.date(2015, 12, 9)),
    ("12 December 2015", "12-dec-2015.md", "FCCC/CP/2015/L.9", dt.date(2015, 12, 12)),
]

USERS = [
    ("secretariat@consult.example", "Secretariat Officer", "secretariat", None),
    ("cofacilitator.prt@consult.example", "Co-facilitator (Portugal)", "cofacilitator", "PRT"),
    ("cofacilitator.cpv@consult.example", "Co-facilitator (Cabo Verde)", "cofacilitator", "CPV"),
    ("delegate.fra@consult.example", "Delegate of France", "delegate", "FRA"),
    ("delegate.nor@consult.example", "Delegate of Norway", "delegate", "NOR"),
    ("delegate.can@consult.example", "Delegate of Canada", "delegate", "CAN"),
    ("delegate.bra@consult.example", "Delegate of Brazil", "delegate", "BRA"),
    ("delegate.chn@consult.example", "Delegate of China", "delegate", "CHN"),
    ("delegate.eu@consult.example", "Delegate of the European Union", "delegate", "EU"),
    ("delegate.g77@consult.example", "Delegate of the Group of 77 and China", "delegate", "G77"),
    ("observer.unodc@consult.example", "UNODC liaison", "observer", "UNODC"),
]


def read_text(name: str) -> str:
    """A demo text shipped with the package."""
    return (HERE / name).read_text(encoding="utf-8")


def load_demo(log=print) -> None:
    """Load the demo accounts and consultations; what exists already is left alone."""
    for email, name, role, code in USERS:
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            auth.create_user(None, email=email, name=name, role=role, delegation_code=code,
                             password=DEMO_PASSWORD)
            log(f"account {email} ({role}{', ' + code if code else ''})")
    cofacilitators = list(db.session.scalars(
        select(User).where(User.role == "cofacilitator",
                           User.email.like("%@consult.example")).order_by(User.id)))
    cofacilitator = cofacilitators[0]

    if db.session.scalar(select(Consultation.id).where(Consultation.slug == GPA_SLUG)) is None:
        gpa = drafts.create_consultation(None, slug=GPA_SLUG, **GPA)
        for account in cofacilitators:
            drafts.assign_cofacilitator(None, gpa, account)
        drafts.create_version(cofacilitator, gpa, label="Zero draft",
                              text=read_text("gpa-zero-draft.md"), publish=True)
        drafts.create_version(cofacilitator, gpa, label="Rev.1", text=read_text("gpa-rev1.md"),
                              comments_close_at=utcnow() + dt.timedelta(days=30), publish=True)
        log(f"consultation {GPA_SLUG}: Zero draft and Rev.1")

    if db.session.scalar(select(Consultation.id).where(Consultation.slug == COP21_SLUG)) is None:
        cop = drafts.create_consultation(
            None, slug=COP21_SLUG, title="Paris Agreement negotiating texts (COP21, 2015)",
            mandate="UNFCCC COP21, Ad Hoc Working Group on the Durban Platform",
            description="Four successive negotiating texts of the Paris Agreement, as a second "
                        "demonstration of versions, paragraph matching and bracketed text.",
            reference_date=dt.date(2015, 10, 23))
        for account in cofacilitators:
            drafts.assign_cofacilitator(None, cop, account)
        for label, filename, symbol, day in COP21_VERSIONS:
            version = drafts.create_version(cofacilitator, cop, label=label, symbol=symbol,
                                            text=read_text(f"cop21/{filename}"))
            drafts.publish_version(cofacilitator, version, now=dt.datetime.combine(
                day, dt.time(12, 0), tzinfo=dt.timezone.utc))
        cop.status = ConsultationStatus.closed
        log(f"consultation {COP21_SLUG}: {len(COP21_VERSIONS)} versions (closed)")
