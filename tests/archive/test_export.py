"""Open data: the JSON and CSV exports of the public record, and their data dictionary."""

import csv
import datetime as dt
import io
import json
import re

import pytest

from consult.archive import export
from consult.comments import services as comments
from consult.db import db
from consult.drafts import services as drafts
from consult.errors import Invalid
from consult.moderation.services import (
    hide_submission,
    restore_submission,
    set_disposition,
)
from tests.comments.conftest import (  # noqa: F401  (fixtures)
    REV1,
    can,
    fra,
    nor,
    paragraph,
    publish_rev1,
    version,
)

# Words that exist only in hidden submissions, in what hangs under them, or in a draft.
SECRETS = ("hiddenxylophone", "orphanquokka", "deeperorphanmarmot", "hiddensupportyak",
           "supportunderhiddenlynx", "draftnarwhal", "draftlabelokapi")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
CHINESE = "我们支持加强对受害者的保护，尤其是妇女和儿童。"
ARABIC = "نؤيد تعزيز حماية الضحايا، ولا سيما النساء والأطفال."


@pytest.fixture
def record(app, consultation, staff, version, fra, nor, can, make_user):  # noqa: F811
    """A zero draft and Rev.1 (published), Rev.2 (draft), and a record with everything in it.

    On Rev.1 OP1: FRA's amendment (supported by NOR; CAN supported then withdrew; DEU's
    support is hidden; partly incorporated), CAN's hidden amendment with a reply, a reply
    to the reply and FRA's support under it. Elsewhere: a withdrawn comment, Chinese and
    Arabic comments, cells a spreadsheet would run as formulas, an edited statement.
    """
    deu = make_user("delegate", delegation="DEU", name="Delegate of Germany")
    early = comments.post_comment(fra, paragraph(version, "OP2"), "On the zero draft.")
    db.session.commit()
    rev1 = publish_rev1(staff, consultation)
    op1, op2 = paragraph(rev1, "OP1"), paragraph(rev1, "OP2")
    amendment = comments.propose_amendment(fra, op1, "=HYPERLINK(\"https://evil.example\")",
                                           "-2+3 is how we count.")
    supported = comments.support_amendment(nor, amendment)
    comments.support_amendment(can, amendment)
    hidden_support = comments.support_amendment(deu, amendment, "hiddensupportyak")
    hidden = comments.propose_amendment(can, op1, "*Calls upon* hiddenxylophone States;",
                                        "Because hiddenxylophone.")
    orphan = comments.post_comment(nor, op1, "orphanquokka agrees", parent_id=hidden.id)
    comments.post_comment(deu, op1, "deeperorphanmarmot too", parent_id=orphan.id)
    comments.support_amendment(fra, hidden, "supportunderhiddenlynx")
    withdrawn = comments.post_comment(nor, op2, "We said this, then took it back.")
    chinese = comments.post_comment(can, op2, CHINESE, language="zh")
    arabic = comments.post_comment(deu, op2, ARABIC, language="ar")
    formula = comments.post_comment(nor, op2, "@SUM(A1:A9) and +1, as a cell would read it")
    statement = comments.post_statement(fra, rev1, "A first general statement.")
    db.session.commit()
    comments.withdraw_support(can, amendment)
    comments.withdraw_submission(nor, withdrawn)
    comments.edit_submission(fra, statement, body="A general statement, edited.")
    db.session.commit()
    for target in (hidden, hidden_support):
        hide_submission(staff, target, reason_code="abusive", reason="Against the rules.")
    set_disposition(staff, amendment, "partly_incorporated", "Merged into OP2.")
    db.session.commit()
    draft = drafts.create_version(staff, consultation, label="Rev.2 draftlabelokapi",
                                  text=REV1 + "\n4. *Requests* draftnarwhal reports.\n")
    db.session.commit()
    return {"zero": version, "rev1": rev1, "draft": draft, "early": early,
            "amendment": amendment, "supported": supported, "hidden": hidden,
            "hidden_support": hidden_support, "orphan": orphan, "withdrawn": withdrawn,
            "chinese": chinese, "arabic": arabic, "formula": formula,
            "statement": statement, "deu": deu}


def _json(client, path="/api/v1/consultations/gpa/export.json"):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    return text, json.loads(text)


def _csv(client, table=None, **params):
    query = {"table": table, **params} if table else params
    response = client.get("/api/v1/consultations/gpa/export.csv", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data().decode("utf-8")
    return text, list(csv.reader(io.StringIO(text, newline="")))


def _assert_public(text: str) -> None:
    lowered = text.lower()
    for secret in SECRETS:
        assert secret not in lowered, secret
    assert EMAIL.findall(text) == []
    assert "example.org" not in text and "demo.consult.invalid" not in text


def test_the_json_holds_published_versions_and_visible_submissions_only(client, record):
    text, data = _json(client)
    _assert_public(text)
    assert data["format_version"] == export.FORMAT_VERSION
    assert data["consultation"]["slug"] == "gpa"
    assert data["consultation"]["mandate"] == "A/RES/64/178, para. 8"
    assert data["data_dictionary"] == "http://localhost/consultations/gpa/data"
    assert [v["label"] for v in data["versions"]] == ["Zero draft", "Rev.1"]
    assert [v["status"] for v in data["versions"]] == ["superseded", "published"]
    rev1 = data["versions"][1]
    assert [p["label"] for p in rev1["paragraphs"]][:4] == ["H1", "PP1", "PP2", "OP1"]
    op1 = next(p for p in rev1["paragraphs"] if p["label"] == "OP1")
    assert op1["text"] == "*Calls upon* Member States to act without delay;"
    assert op1["kind"] == "operative" and op1["match"] == "edited" and op1["key"]
    assert op1["url"] == f"http://localhost/consultations/gpa/versions/{rev1['id']}/paragraphs/OP1"
    assert rev1["paragraph_count"] == len(rev1["paragraphs"])

    ids = [s["id"] for s in data["submissions"]]
    assert ids == sorted(ids)
    r = record
    for visible in ("early", "amendment", "supported", "withdrawn", "chinese", "arabic",
                    "formula", "statement"):
        assert r[visible].id in ids, visible
    for gone in ("hidden", "hidden_support", "orphan"):
        assert r[gone].id not in ids, gone
    # Everything below the hidden amendment is gone too: the reply to the reply, the support.
    assert all(s["parent_id"] not in (r["hidden"].id, r["orphan"].id)
               for s in data["submissions"])
    by_id = {s["id"]: s for s in data["submissions"]}
    assert by_id[r["early"].id]["version_label"] == "Zero draft"
    withdrawn = by_id[r["withdrawn"].id]
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawn_at"]
    assert by_id[r["formula"].id]["status"] == "active"
    assert by_id[r["formula"].id]["withdrawn_at"] is None
    statement = by_id[r["statement"].id]
    assert statement["kind"] == "statement" and statement["paragraph_id"] is None
    assert statement["body"] == "A general statement, edited." and statement["edited_at"]
    chinese = by_id[r["chinese"].id]
    assert chinese["body"] == CHINESE and chinese["language"] == "zh"
    assert (chinese["delegation_code"], chinese["delegation_name"],
            chinese["delegation_type"]) == ("CAN", "Canada", "member_state")
    assert chinese["author"] == "Delegate of Canada"
    assert chinese["paragraph_label"] == "OP2" and chinese["version_label"] == "Rev.1"
    assert chinese["url"] == f"http://localhost/consultations/gpa/submissions/{r['chinese'].id}"


def test_supporters_and_dispositions_are_those_the_site_shows(client, record):
    _text, data = _json(client)
    by_id = {s["id"]: s for s in data["submissions"]}
    amendment = by_id[record["amendment"].id]
    # CAN withdrew its support and DEU's is hidden: NOR alone supports it.
    assert amendment["supporters"] == ["NOR"]
    assert amendment["disposition"] == "partly_incorporated"
    assert amendment["disposition_note"] == "Merged into OP2."
    assert amendment["proposed_text"] == '=HYPERLINK("https://evil.example")'
    assert amendment["paragraph_key"] == paragraph(record["rev1"], "OP1").key.key
    supports = [s for s in data["submissions"] if s["kind"] == "support"]
    assert sorted((s["delegation_code"], s["status"]) for s in supports) == [
        ("CAN", "withdrawn"), ("NOR", "active")]
    assert all(s["parent_id"] == amendment["id"] for s in supports)
    comment = by_id[record["chinese"].id]
    assert comment["supporters"] == [] and comment["disposition"] is None


def test_the_moderation_log_is_in_the_record(client, record):
    _text, data = _json(client)
    log = data["moderation_log"]
    assert [e["id"] for e in log] == sorted(e["id"] for e in log)
    assert all(list(e) == export.LOG.names for e in log)
    actions = [e["action"] for e in log]
    assert actions.count("version.publish") == 2 and actions.count("submission.hide") == 2
    assert "submission.disposition" in actions and "submission.withdraw" in actions
    hide = next(e for e in log if e["action"] == "submission.hide"
                and e["target_id"] == record["hidden"].id)
    assert hide["reason"] == "Abusive or offensive language: Against the rules."
    assert hide["reason_code"] == "abusive" and "reason_code" not in hide["details"]
    assert hide["target_label"] == "amendment CAN Rev.1 OP1"
    # What the label says, as facts (the log words them in each reader's language).
    assert hide["actor_role"] == "cofacilitator" and hide["details"] == {"target": {
        "kind": "amendment", "reply": False, "delegation": "CAN", "proposer": None,
        "version_label": "Rev.1", "paragraph": "OP1"}}
    assert hide["target_url"].endswith(f"/consultations/gpa/submissions/{record['hidden'].id}")
    decided = next(e for e in log if e["action"] == "submission.disposition")
    assert decided["details"] == {"disposition": "partly_incorporated", "previous": "pending",
                                  "target": decided["details"]["target"]}


def test_json_fields_and_csv_headers_are_the_data_dictionary(client, record):
    _text, data = _json(client)
    assert list(data["consultation"]) == export.CONSULTATION.names
    for published in data["versions"]:
        assert list(published) == export.VERSIONS.names + ["paragraphs"]
        assert all(list(p) == export.PARAGRAPHS.names for p in published["paragraphs"])
    assert all(list(s) == export.SUBMISSIONS.names for s in data["submissions"])
    counts = {"versions": len(data["versions"]),
              "paragraphs": sum(len(v["paragraphs"]) for v in data["versions"]),
              "submissions": len(data["submissions"]), "log": len(data["moderation_log"])}
    assert set(export.export_tables()) == set(counts)
    for name, table in export.export_tables().items():
        text, rows = _csv(client, name)
        _assert_public(text)
        assert rows[0] == table.names, name
        assert len(rows) - 1 == counts[name], name
    _text, default = _csv(client)
    assert default[0] == export.SUBMISSIONS.names
    # The minimum the issue asks of a submission.
    assert {"id", "consultation", "version_id", "version_label", "paragraph_id",
            "paragraph_label", "paragraph_key", "parent_id", "kind", "language",
            "delegation_code", "delegation_name", "delegation_type", "author", "body",
            "proposed_text", "created_at", "edited_at", "withdrawn_at", "status",
            "supporters", "disposition", "disposition_note", "url"} <= set(
        export.SUBMISSIONS.names)


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client, record):
    _text, rows = _csv(client)
    header, body = rows[0], rows[1:]
    cell = {int(row[0]): dict(zip(header, row)) for row in body}
    amendment = cell[record["amendment"].id]
    assert amendment["proposed_text"] == "'=HYPERLINK(\"https://evil.example\")"
    assert amendment["body"] == "'-2+3 is how we count."
    assert amendment["supporters"] == "NOR"
    assert cell[record["formula"].id]["body"] == "'@SUM(A1:A9) and +1, as a cell would read it"
    risky = ("=", "+", "-", "@", "\t", "\r")
    assert not any(value.startswith(risky) for row in body for value in row)
    # Undoing it (drop the first character of a cell starting with an apostrophe) is exact.
    assert export.csv_cell("'quoted") == "''quoted"
    assert export.csv_cell("\tx") == "'\tx" and export.csv_cell("\r=1") == "'\r=1"
    assert export.csv_cell(["FRA", "NOR"]) == "FRA NOR" and export.csv_cell(None) == ""
    assert export.csv_cell(-5) == "-5"  # numbers are numbers, not text
    # JSON is data, not a spreadsheet: left as written.
    _text, data = _json(client)
    by_id = {s["id"]: s for s in data["submissions"]}
    assert by_id[record["amendment"].id]["body"] == "-2+3 is how we count."


def test_csv_round_trips_chinese_and_arabic_text_with_or_without_a_bom(client, record):
    text, rows = _csv(client)
    header = rows[0]
    body = {int(r[0]): dict(zip(header, r)) for r in rows[1:]}
    assert not text.startswith("\ufeff")
    assert body[record["chinese"].id]["body"] == CHINESE
    assert body[record["arabic"].id]["body"] == ARABIC
    response = client.get("/api/v1/consultations/gpa/export.csv?bom=1")
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    excel = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert excel == rows
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_downloads_are_streamed_attachments(client, record):
    response = client.get("/api/v1/consultations/gpa/export.json")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="gpa-record.json"'
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert response.headers["ETag"].startswith('W/"')
    json.loads(response.get_data(as_text=True))
    response = client.get("/api/v1/consultations/gpa/export.csv?table=log")
    assert response.is_streamed
    assert response.headers["Content-Disposition"] == 'attachment; filename="gpa-log.csv"'
    response.get_data()


def test_unknown_consultation_table_or_option_is_a_json_error(client, record):
    for path in ("/api/v1/consultations/nowhere/export.json",
                 "/api/v1/consultations/nowhere/export.csv"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    for query in ("table=users", "table=", "bom=yes"):
        response = client.get(f"/api/v1/consultations/gpa/export.csv?{query}")
        if query == "table=":  # empty means the default table
            assert response.status_code == 200
            response.get_data()
            continue
        assert response.status_code == 400, query
        assert response.get_json()["error"]["code"] == "invalid"
    with pytest.raises(Invalid):
        export.iter_export_csv(record["rev1"].consultation, "users")  # refused before reading


def test_a_client_with_the_current_etag_gets_304_until_the_record_changes(
        client, record, staff, nor, can):  # noqa: F811
    first = client.get("/api/v1/consultations/gpa/export.json")
    etag = first.headers["ETag"]
    first.get_data()
    again = client.get("/api/v1/consultations/gpa/export.json",
                       headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "public, no-cache"
    # Each representation has its own validator.
    csv_etag = client.get("/api/v1/consultations/gpa/export.csv").headers["ETag"]
    assert csv_etag != etag
    assert client.get("/api/v1/consultations/gpa/export.csv?table=log").headers["ETag"] \
        not in (csv_etag, etag)

    hide_submission(staff, record["formula"], reason_code="abusive")
    db.session.commit()
    after_hide = client.get("/api/v1/consultations/gpa/export.json",
                            headers={"If-None-Match": etag})
    assert after_hide.status_code == 200
    assert after_hide.headers["ETag"] != etag
    assert str(record["formula"].id) not in [str(s["id"]) for s in
                                             json.loads(after_hide.get_data())["submissions"]]
    hidden_etag = after_hide.headers["ETag"]

    restore_submission(staff, record["formula"], reason="Restored after review.")
    db.session.commit()
    restored = client.head("/api/v1/consultations/gpa/export.json",
                           headers={"If-None-Match": hidden_etag})
    assert restored.status_code == 200 and restored.headers["ETag"] not in (etag, hidden_etag)
    latest = restored.headers["ETag"]

    # Editing, withdrawing and deciding on a proposal each give a new validator.
    seen = {etag, hidden_etag, latest}
    changes = (
        lambda: comments.edit_submission(nor, record["formula"], body="Reworded."),
        lambda: comments.withdraw_submission(can, record["chinese"]),
        lambda: set_disposition(staff, record["amendment"], "incorporated"),
    )
    for change in changes:
        change()
        db.session.commit()
        response = client.head("/api/v1/consultations/gpa/export.json",
                               headers={"If-None-Match": latest})
        assert response.status_code == 200 and response.headers["ETag"] not in seen
        latest = response.headers["ETag"]
        seen.add(latest)


def test_a_new_draft_does_not_change_the_etag(client, record, staff):
    etag = client.head("/api/v1/consultations/gpa/export.json").headers["ETag"]
    drafts.create_version(staff, record["rev1"].consultation, label="Rev.3 secret",
                          text=REV1 + "\n5. *Notes* more.\n")
    db.session.commit()
    same = client.get("/api/v1/consultations/gpa/export.json", headers={"If-None-Match": etag})
    assert same.status_code == 304


def test_the_data_dictionary_page_lists_every_column_and_the_downloads(client, record):
    response = client.get("/consultations/gpa/data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for table in export.document_tables():
        for column in table.columns:
            assert f"<code>{column.name}</code>" in html, (table.name, column.name)
    assert 'href="/api/v1/consultations/gpa/export.json"' in html
    for name in export.export_tables():
        assert f'href="/api/v1/consultations/gpa/export.csv?table={name}"' in html
    assert "bom=1" in html and "apostrophe" in html
    assert client.get("/consultations/nowhere/data").status_code == 404
    french = client.get("/consultations/gpa/data?lang=fr")
    assert french.status_code == 200


def test_the_export_works_outside_a_request_with_progress(app, record):
    seen = []
    chunks = list(export.iter_export_json(
        record["rev1"].consultation, base_url="https://consult.example/un/",
        progress=lambda done, total: seen.append((done, total)),
        generated_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)))
    data = json.loads("".join(chunks))
    assert data["generated_at"] == "2026-01-02T03:04:05+00:00"
    assert data["submissions"][0]["url"].startswith(
        "https://consult.example/un/consultations/gpa/submissions/")
    total = len(data["submissions"]) + len(data["moderation_log"])
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)
    # Without a base URL (and outside a request), links are paths on the site.
    seen.clear()
    rows = list(csv.reader(io.StringIO("".join(export.iter_export_csv(
        record["rev1"].consultation, "versions",
        progress=lambda done, total: seen.append((done, total)))), newline="")))
    assert seen == [(0, 2), (2, 2)]
    assert rows[1][rows[0].index("url")] == f"/consultations/gpa/versions/{record['zero'].id}"


def test_small_batches_give_the_same_document(app, record, monkeypatch):
    stamp = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    consultation = record["rev1"].consultation
    whole = "".join(export.iter_export_json(consultation, generated_at=stamp))
    whole_csv = "".join(export.iter_export_csv(consultation))
    monkeypatch.setattr(export, "BATCH_SIZE", 2)
    chunks = list(export.iter_export_json(consultation, generated_at=stamp))
    assert "".join(chunks) == whole
    assert len(chunks) > 8  # the document came out a batch at a time
    assert "".join(export.iter_export_csv(consultation)) == whole_csv


def test_a_consultation_with_nothing_published_exports_empty_tables(client, consultation):
    _text, data = _json(client)
    assert data["versions"] == [] and data["submissions"] == []
    assert data["moderation_log"] == []
    for name, table in export.export_tables().items():
        _text, rows = _csv(client, name)
        assert rows == [table.names]


def test_the_openapi_document_describes_the_exports(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    for path in ("/consultations/{slug}/export.json", "/consultations/{slug}/export.csv"):
        assert path in document["paths"]
    schemas = document["components"]["schemas"]
    # (The document's keys come back sorted.)
    assert set(schemas["ExportSubmissions"]["properties"]) == set(export.SUBMISSIONS.names)
    assert set(schemas["ExportLog"]["properties"]) == set(export.LOG.names)
    parameters = document["paths"]["/consultations/{slug}/export.csv"]["get"]["parameters"]
    table = next(p for p in parameters if p["name"] == "table")
    assert table["schema"]["enum"] == list(export.export_tables())
