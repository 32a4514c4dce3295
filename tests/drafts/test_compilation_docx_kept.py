"""Issue 17, part 3 (the first bottleneck under load): a published compilation's Word
document is built by a thread, one build at a time on a node, and kept on the node's disk
with the moment it shows. Readers get the kept document while it is current; when it is
not, they wait for a short build, or get the document kept before (which says when it was
as at) while a long one runs; large documents are rebuilt at a bounded pace."""

from __future__ import annotations

import fcntl
import io
import json
import os
import time
from pathlib import Path

import docx
import pytest

from consult.comments import services as comments
from consult.compilation import kept, views
from consult.db import db
from tests.comments.conftest import fra, nor, paragraph, version  # noqa: F401
from tests.conftest import login

OP1_NEW = "*Calls upon* Member States to act without delay;"


def _url(version):
    return f"/consultations/gpa/versions/{version.id}/compilation.docx"


def _texts(response) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs]


def _folder(app) -> Path:
    return Path(app.instance_path) / "kept" / "docx"


@pytest.fixture
def builds(monkeypatch):
    """The builds made, counted; `builds.slow` seconds added to each (a large document)."""

    class Builds(list):
        slow = 0.0

    made = Builds()
    real = views.build_docx

    def build(*args, **kwargs):
        made.append(1)
        time.sleep(made.slow)
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "build_docx", build)
    yield made
    assert kept.wait_for_builds(30)


def _propose(user, version, label, text):
    comments.propose_amendment(user, paragraph(version, label), text, "Reasons.")
    db.session.commit()


def test_the_document_is_built_once_until_the_compilation_changes(
        app, client, version, fra, nor, builds):
    _propose(fra, version, "OP1", OP1_NEW)

    first = client.get(_url(version))
    again = client.get(_url(version))
    assert first.status_code == again.status_code == 200
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert len(builds) == 1  # the second reader got the kept file
    assert list(_folder(app).glob("*.docx"))
    # The document says the moment it shows, and the response too.
    assert any(t.startswith("As at ") and t.endswith("UTC.") for t in _texts(first))
    assert first.headers["Last-Modified"]
    # A reader who has it is told so without a byte of it.
    unchanged = client.get(_url(version), headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and not unchanged.data

    # A new proposal changes the compilation: a short build, waited for, shows it.
    _propose(nor, version, "OP2", "*Urges* States to act;")
    changed = client.get(_url(version))
    assert len(builds) == 2
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert any("Norway (NOR)" in t for t in _texts(changed))


def test_the_document_is_in_the_readers_language(app, client, version, fra, builds):
    _propose(fra, version, "OP1", OP1_NEW)
    french = client.get(_url(version), headers={"Accept-Language": "fr"})
    english = client.get(_url(version))
    assert any(t.startswith("Situation au ") for t in _texts(french))
    assert french.headers["ETag"] != english.headers["ETag"]
    assert len(builds) == 2  # one document per interface language


def test_a_logged_in_reader_gets_the_same_document_as_the_public(
        app, client, version, fra, make_user, builds):
    _propose(fra, version, "OP1", OP1_NEW)
    staff = make_user("cofacilitator", delegation="PRT")
    public = client.get(_url(version))
    assert login(client, staff.email).status_code == 302
    logged_in = client.get(_url(version))
    # Built as a reader who is not logged in: the same bytes, whoever asked first.
    assert logged_in.data == public.data and len(builds) == 1


def test_a_long_build_serves_the_document_kept_before_meanwhile(
        app, client, version, fra, nor, builds, monkeypatch):
    monkeypatch.setattr(kept, "WAIT_SECONDS", 0.3)
    monkeypatch.setattr(kept, "QUICK_SECONDS", 0.0)
    monkeypatch.setattr(kept, "REBUILD_PAUSE", 0)
    builds.slow = 0.8
    _propose(fra, version, "OP1", OP1_NEW)

    # Never built on this node: the reader waits WAIT_SECONDS, then is asked to come back.
    busy = client.get(_url(version))
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "60"
    assert busy.headers["Cache-Control"] == "no-store"
    assert "This document is being prepared." in busy.get_data(as_text=True)
    assert kept.wait_for_builds(30)
    first = client.get(_url(version))
    assert first.status_code == 200 and len(builds) == 1

    # The compilation changes; its build is long: the kept document, at once, as at before.
    _propose(nor, version, "OP2", "*Urges* States to act;")
    meanwhile = client.get(_url(version))
    assert meanwhile.status_code == 200
    assert meanwhile.data == first.data
    assert meanwhile.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert not any("Norway (NOR)" in t for t in _texts(meanwhile))
    # …while the new one is built, and served once it is kept.
    assert kept.wait_for_builds(30)
    assert len(builds) == 2
    after = client.get(_url(version))
    assert any("Norway (NOR)" in t for t in _texts(after))
    assert after.headers["ETag"] != first.headers["ETag"]


def test_a_long_build_is_not_repeated_before_its_pause(
        app, client, version, fra, nor, builds, monkeypatch):
    monkeypatch.setattr(kept, "WAIT_SECONDS", 0.3)
    monkeypatch.setattr(kept, "QUICK_SECONDS", 0.0)
    monkeypatch.setattr(kept, "REBUILD_PAUSE", 1000)
    builds.slow = 0.4
    _propose(fra, version, "OP1", OP1_NEW)
    client.get(_url(version))
    assert kept.wait_for_builds(30)
    assert client.get(_url(version)).status_code == 200 and len(builds) == 1

    _propose(nor, version, "OP2", "*Urges* States to act;")
    for _reader in range(3):
        stale = client.get(_url(version))
        assert stale.status_code == 200
        assert not any("Norway (NOR)" in t for t in _texts(stale))
    assert kept.wait_for_builds(30) and len(builds) == 1  # the node keeps its cores

    # Once the pause has passed (the kept document made an hour ago), the next reader
    # starts a build.
    [description] = _folder(app).glob("*.json")
    meta = json.loads(description.read_text())
    meta["as_at"] = "2000-01-01T00:00:00+00:00"
    description.write_text(json.dumps(meta))
    client.get(_url(version))
    assert kept.wait_for_builds(30) and len(builds) == 2
    assert any("Norway (NOR)" in t for t in _texts(client.get(_url(version))))


def test_one_build_at_a_time_on_a_node(app, client, version, fra, builds, monkeypatch):
    _propose(fra, version, "OP1", OP1_NEW)
    monkeypatch.setattr(kept, "WAIT_SECONDS", 0.2)
    folder = _folder(app)
    folder.mkdir(parents=True, exist_ok=True)
    # Another worker of this node is building (it holds the node's build lock).
    other = os.open(folder / "build.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        busy = client.get(_url(version), headers={"Accept-Language": "fr"})
        assert busy.status_code == 503
        assert "en cours de préparation" in busy.get_data(as_text=True)
        assert not builds  # this worker's build waits its turn
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    # Its turn came: the build this reader started is kept for the next one.
    assert kept.wait_for_builds(30)
    ready = client.get(_url(version), headers={"Accept-Language": "fr"})
    assert ready.status_code == 200 and len(builds) == 1


def test_in_arabic_the_lines_around_the_text_read_right_to_left(
        app, client, version, fra, builds):
    _propose(fra, version, "OP1", OP1_NEW)
    arabic = client.get(_url(version), headers={"Accept-Language": "ar"})
    document = docx.Document(io.BytesIO(arabic.data))
    as_at = next(p for p in document.paragraphs if p.text.startswith("الحالة في "))
    assert as_at._p.pPr.find(docx.oxml.ns.qn("w:bidi")) is not None
    assert all(run.font.rtl for run in as_at.runs)
    # The draft's own English paragraphs stay left to right.
    op1 = next(p for p in document.paragraphs if "Member States" in p.text)
    assert op1._p.pPr is None or op1._p.pPr.find(docx.oxml.ns.qn("w:bidi")) is None


def test_the_static_archive_gets_the_document_at_once_without_a_moment_in_it(
        app, client, version, fra, builds, monkeypatch):
    """The archive export fetches every page in turn: a long build must not answer
    "being prepared" (the export would fail), and the archive's copy carries no "As at"
    of its own (the archive says when it was made; the same record gives the same file)."""
    monkeypatch.setattr(kept, "WAIT_SECONDS", 0.01)
    builds.slow = 0.3
    _propose(fra, version, "OP1", OP1_NEW)
    archive = {"consult.static_archive": "7 December 2026"}
    first = client.get(_url(version), environ_overrides=archive)
    again = client.get(_url(version), environ_overrides=archive)
    assert first.status_code == again.status_code == 200
    assert first.data == again.data
    assert not any(t.startswith("As at") for t in _texts(first))
    assert not list(_folder(app).glob("*.docx"))  # nothing kept for readers
