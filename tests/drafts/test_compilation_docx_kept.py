"""Issue 17, part 3 (the first bottleneck under load): a published compilation's Word
document is built once per validator and node, then served from the node's disk; one
worker builds while the others wait a little, then are asked to come back."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import docx
import io

from consult.comments import services as comments
from consult.compilation import kept, views
from consult.db import db
from tests.comments.conftest import fra, nor, paragraph, version  # noqa: F401

OP1_NEW = "*Calls upon* Member States to act without delay;"


def _url(version):
    return f"/consultations/gpa/versions/{version.id}/compilation.docx"


def _counting_builds(monkeypatch):
    built = []
    real = views.build_docx

    def build(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "build_docx", build)
    return built


def test_the_document_is_built_once_until_the_compilation_changes(
        app, client, version, fra, nor, monkeypatch):
    comments.propose_amendment(fra, paragraph(version, "OP1"), OP1_NEW, "Urgency.")
    db.session.commit()
    built = _counting_builds(monkeypatch)

    first = client.get(_url(version))
    again = client.get(_url(version))
    assert first.status_code == again.status_code == 200
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert len(built) == 1  # the second reader got the kept file
    assert list((Path(app.instance_path) / "kept" / "docx").glob("*.docx"))

    # A new proposal changes the compilation: a new document, with it.
    comments.propose_amendment(nor, paragraph(version, "OP2"), "*Urges* States to act;",
                               "Clarity.")
    db.session.commit()
    changed = client.get(_url(version))
    assert len(built) == 2
    assert changed.headers["ETag"] != first.headers["ETag"]
    texts = [p.text for p in docx.Document(io.BytesIO(changed.data)).paragraphs]
    assert any("Norway (NOR)" in t for t in texts)


def test_a_reader_who_finds_another_build_running_is_asked_to_come_back(
        app, client, version, fra, monkeypatch):
    comments.propose_amendment(fra, paragraph(version, "OP1"), OP1_NEW, "Urgency.")
    db.session.commit()
    monkeypatch.setattr(kept, "WAIT_SECONDS", 0.2)
    folder = Path(app.instance_path) / "kept" / "docx"
    folder.mkdir(parents=True, exist_ok=True)
    # Another worker of this node holds the build lock (an flock of its own).
    other = os.open(folder / "build.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        busy = client.get(_url(version), headers={"Accept-Language": "fr"})
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "60"
        assert busy.headers["Cache-Control"] == "no-store"
        assert "en cours de préparation" in busy.get_data(as_text=True)
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    # The other worker is done: this reader's document is built.
    assert client.get(_url(version)).status_code == 200
