"""The demo: the Global Plan of Action consultation (2010) and the COP21 texts (2015)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from consult.auth import services as auth
from consult.auth.models import User
from consult.comments import services as comments
from consult.comments.models import Submission
from consult.db import db, utcnow
from consult.demo import consensus
from consult.drafts import services as drafts
from consult.drafts.models import Consultation, ConsultationStatus
from consult.drafts.translations import add_translation
from consult.moderation import services as moderation
from consult.permissions import COMMAND_LINE

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
    # The COP21 texts were prepared by the Co-Chairs of the ADP, not by the GPA's
    # co-facilitators: each consultation's log names its own staff.
    ("cochair.dza@consult.example", "ADP Co-Chair (Algeria)", "cofacilitator", "DZA"),
    ("cochair.usa@consult.example", "ADP Co-Chair (United States)", "cofacilitator", "USA"),
    ("delegate.fra@consult.example", "Delegate of France", "delegate", "FRA"),
    ("delegate.nor@consult.example", "Delegate of Norway", "delegate", "NOR"),
    ("delegate.can@consult.example", "Delegate of Canada", "delegate", "CAN"),
    ("delegate.bra@consult.example", "Delegate of Brazil", "delegate", "BRA"),
    ("delegate.chn@consult.example", "Delegate of China", "delegate", "CHN"),
    ("delegate.egy@consult.example", "Delegate of Egypt", "delegate", "EGY"),
    ("delegate.eu@consult.example", "Delegate of the European Union", "delegate", "EU"),
    ("delegate.g77@consult.example", "Delegate of the Group of 77 and China", "delegate", "G77"),
    ("observer.unodc@consult.example", "UNODC liaison", "observer", "UNODC"),
]


def read_text(name: str) -> str:
    """A demo text shipped with the package."""
    return (HERE / name).read_text(encoding="utf-8")


# Demo delegations' codes → their accounts' e-mail addresses.
_EMAILS = {code: email for email, _name, _role, code in USERS if code}


def _delegate(code: str) -> User:
    return db.session.scalar(select(User).where(User.email == _EMAILS[code]))


def _paragraph(version, label: str):
    return next(p for p in version.paragraphs if p.label == label)


def _comment_on_zero_draft(zero) -> None:
    """What delegations said on the zero draft (before Rev.1 closed it)."""
    fra, nor, can = _delegate("FRA"), _delegate("NOR"), _delegate("CAN")
    op13 = _paragraph(zero, "OP13")
    amendment = comments.propose_amendment(
        fra, op13, op13.text.replace("*Encourages*", "*Urges*", 1),
        "A period of recovery and reflection is essential for victims to decide, free from "
        "pressure, whether to cooperate with the authorities. *Encourages* is too weak.",
        language="en")
    comments.support_amendment(nor, amendment)
    comments.support_amendment(can, amendment)
    trust_fund = comments.post_comment(
        _delegate("G77"), _paragraph(zero, "OP16"),
        "The Group welcomes the **trust fund** and asks that its resources reach victims in "
        "countries of origin, transit and destination alike.", language="en")
    comments.post_comment(
        _delegate("EU"), _paragraph(zero, "OP16"),
        "The European Union supports the fund and suggests that UNODC manage it, with a board "
        "of trustees appointed by the Secretary-General.", parent_id=trust_fund.id,
        language="en")
    comments.post_comment(
        _delegate("UNODC"), _paragraph(zero, "OP7"),
        "Border measures should be implemented without prejudice to the rights of refugees and "
        "asylum-seekers (see the 1951 Convention and its 1967 Protocol).", language="en")
    comments.post_comment(
        _delegate("CHN"), _paragraph(zero, "PP4"),
        "中国代表团支持本段。建议在“人权”之后加上“和人的尊严”。", language="zh")
    comments.post_statement(
        _delegate("BRA"), zero,
        "Brazil thanks the co-facilitators for an open and transparent process and will submit "
        "detailed proposals on the protection chapter.", language="en")
    return 8


def _comment_on_rev1(rev1) -> None:
    """What delegations are saying on Rev.1, still open for comment."""
    eu, g77, can, bra = _delegate("EU"), _delegate("G77"), _delegate("CAN"), _delegate("BRA")
    op15 = _paragraph(rev1, "OP15")
    amendment = comments.propose_amendment(
        eu, op15, op15.text.replace("trust fund for victims", "trust fund for victims, managed "
                                    "by the United Nations Office on Drugs and Crime,", 1),
        "Naming the manager of the fund avoids a new administrative structure.", language="en")
    comments.support_amendment(g77, amendment)
    note = comments.post_comment(
        can, _paragraph(rev1, "OP2"),
        "Canada welcomes the new paragraph on gender-sensitive prevention.", language="en")
    comments.edit_submission(
        can, note, body="Canada welcomes the new paragraph on gender- and age-sensitive "
                        "prevention and would add a reference to persons with disabilities.")
    withdrawn = comments.post_comment(
        bra, _paragraph(rev1, "PP2"), "Brazil proposes to move this paragraph after PP3.",
        language="en")
    comments.withdraw_submission(bra, withdrawn)
    comments.post_comment(
        bra, _paragraph(rev1, "PP1"), "The delegation of Brazil invites all delegates to a "
        "reception on Friday at 6 p.m. in the Delegates' Lounge.", language="en")
    _comment_in_chinese_and_arabic(rev1)


def _comment_in_chinese_and_arabic(rev1) -> None:
    """Delegations write in the language they negotiate in: searches in Chinese (贩运) and
    Arabic (الاتجار) find their comments and proposals."""
    chn, egy, g77 = _delegate("CHN"), _delegate("EGY"), _delegate("G77")
    comments.post_comment(
        chn, _paragraph(rev1, "OP4"),
        "中国代表团支持开展提高认识运动。建议明确提及犯罪分子利用互联网和社交媒体招募"
        "贩运人口受害者的手段，并鼓励会员国与网络服务提供者开展合作。", language="zh")
    comments.post_comment(
        egy, _paragraph(rev1, "OP8"),
        "يرحب وفد مصر بهذه الفقرة، ويقترح أن تشمل إجراءات التعرف المبكر على ضحايا الاتجار "
        "بالأشخاص موظفي القنصليات في بلدان المقصد، لأنهم كثيرا ما يكونون أول من يلتقي "
        "بالضحايا.", language="ar")
    op5 = _paragraph(rev1, "OP5")
    proposed = op5.text.replace("which sustains trafficking in all its forms",
                                "which fosters all forms of exploitation and sustains "
                                "trafficking in all its forms", 1)
    assert proposed != op5.text, "Rev.1 OP5 no longer has the words the proposal changes"
    amendment = comments.propose_amendment(
        egy, op5, proposed,
        "تقترح مصر الإشارة صراحة إلى أن الطلب يغذي جميع أشكال الاستغلال، إذ إن الحد من الطلب "
        "عنصر أساسي في منع الاتجار بالأشخاص، ولا سيما الاتجار لغرض العمل القسري.",
        language="ar")
    comments.support_amendment(g77, amendment)
    comments.post_comment(
        chn, op5, "中国代表团支持埃及的修正案。减少需求是预防贩运人口的关键。",
        parent_id=amendment.id, language="zh")


def _moderate(cofacilitator, zero, rev1) -> None:
    """What the co-facilitators decided: a disposition, and an off-topic post hidden."""
    urges = db.session.scalar(select(Submission).where(
        Submission.version_id == zero.id, Submission.kind == "amendment"))
    moderation.set_disposition(cofacilitator, urges, "incorporated",
                               "Rev.1, OP12 now reads *Urges*.")
    reception = db.session.scalar(select(Submission).where(
        Submission.version_id == rev1.id, Submission.body.like("%reception on Friday%")))
    moderation.hide_submission(cofacilitator, reception, reason_code="off_topic",
                               reason="Announcements go to the delegates' mailing list.")


def load_demo(log=print) -> None:
    """Load the demo accounts and consultations; what exists already is left alone."""
    for email, name, role, code in USERS:
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            auth.create_user(COMMAND_LINE, email=email, name=name, role=role, delegation_code=code,
                             password=DEMO_PASSWORD)
            log(f"account {email} ({role}{', ' + code if code else ''})")
    cofacilitators = [_delegate("PRT"), _delegate("CPV")]
    cofacilitator = cofacilitators[0]

    if db.session.scalar(select(Consultation.id).where(Consultation.slug == GPA_SLUG)) is None:
        gpa = drafts.create_consultation(COMMAND_LINE, slug=GPA_SLUG, **GPA)
        for account in cofacilitators:
            drafts.assign_cofacilitator(COMMAND_LINE, gpa, account)
        zero = drafts.create_version(cofacilitator, gpa, label="Zero draft",
                                     text=read_text("gpa-zero-draft.md"), publish=True)
        # The zero draft in the other official languages, as the UN would issue it.
        for language in ("ar", "zh", "fr", "ru", "es"):
            if (HERE / f"gpa-zero-draft.{language}.md").exists():
                add_translation(cofacilitator, zero, language,
                                read_text(f"gpa-zero-draft.{language}.md"))
        _comment_on_zero_draft(zero)
        rev1 = drafts.create_version(cofacilitator, gpa, label="Rev.1",
                                     text=read_text("gpa-rev1.md"),
                                     comments_close_at=utcnow() + dt.timedelta(days=30),
                                     publish=True)
        _comment_on_rev1(rev1)
        _moderate(cofacilitator, zero, rev1)
        consensus.record_statuses_and_a_broken_silence(cofacilitator, rev1, _delegate("EGY"))
        count = db.session.scalar(select(func.count(Submission.id)).where(
            Submission.consultation_id == gpa.id))
        log(f"consultation {GPA_SLUG}: Zero draft and Rev.1, {count} submissions")

    if db.session.scalar(select(Consultation.id).where(
            Consultation.slug == consensus.RECORD_SLUG)) is None:
        consensus.load_consensus_record(cofacilitators, _delegate("EGY"), read_text, log=log)

    if db.session.scalar(select(Consultation.id).where(Consultation.slug == COP21_SLUG)) is None:
        cop = drafts.create_consultation(
            COMMAND_LINE, slug=COP21_SLUG, title="Paris Agreement negotiating texts (COP21, 2015)",
            mandate="UNFCCC decision 1/CP.17 (Ad Hoc Working Group on the Durban Platform "
                    "for Enhanced Action)",
            cofacilitators="The Co-Chairs of the Ad Hoc Working Group on the Durban Platform "
                           "(Algeria and the United States of America)",
            description="Four successive negotiating texts of the Paris Agreement, as a second "
                        "demonstration of versions, paragraph matching and bracketed text.",
            reference_date=dt.date(2015, 10, 23))
        cochairs = [_delegate("DZA"), _delegate("USA")]
        for account in cochairs:
            drafts.assign_cofacilitator(COMMAND_LINE, cop, account)
        for label, filename, symbol, day in COP21_VERSIONS:
            version = drafts.create_version(cochairs[0], cop, label=label, symbol=symbol,
                                            text=read_text(f"cop21/{filename}"))
            drafts.publish_version(cochairs[0], version, now=dt.datetime.combine(
                day, dt.time(12, 0), tzinfo=dt.timezone.utc))
        cop.status = ConsultationStatus.closed
        log(f"consultation {COP21_SLUG}: {len(COP21_VERSIONS)} versions (closed)")
