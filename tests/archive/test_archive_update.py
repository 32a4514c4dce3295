"""`archive export --update`: only what changed is rendered again; a failed export leaves
the folder as it was."""

import datetime as dt
import os
import signal
import subprocess
import sys

import pytest

from consult.archive import static_site
from consult.archive.static_site import ArchiveError, export_archive, verify_manifest
from consult.comments import services as comments
from consult.db import db
from consult.moderation import services as moderation
from tests.comments.conftest import paragraph
from tests.moderation.test_leaks import planted  # noqa: F401  (fixture)


def _export(app, root, made_on, **kwargs):
    stamp = dt.datetime.fromisoformat(made_on.removesuffix(" UTC")).replace(
        tzinfo=dt.timezone.utc) if made_on[:1].isdigit() else None
    return export_archive(app, root, made_on=made_on, live_site="https://consult.example",
                          generated_at=stamp, **kwargs)


def _submission_page(root, submission):
    return root / f"consultations/gpa/submissions/{submission.id}/index.html"


def test_an_update_renders_only_what_changed_and_matches_a_new_export(app, planted, fra,  # noqa: F811
                                                                     staff, tmp_path):
    root = tmp_path / "archive"
    first = _export(app, root, "2026-11-29 08:00 UTC")
    assert first.reused == 0
    rev1 = planted["versions"][1]
    unchanged = _submission_page(root, planted["visible"]).read_text()

    answer = comments.post_comment(fra, paragraph(rev1, "OP2"), "A new thought on OP2.")
    moderation.set_disposition(staff, planted["visible"], "incorporated")
    db.session.commit()

    second = _export(app, root, "2026-11-30 08:00 UTC", update=True)
    assert second.reused > 0 and second.pages == first.pages + 1
    assert verify_manifest(root) == []
    # The new submission and the decided proposal are there; the rest kept its words and
    # carries the new date.
    assert "A new thought on OP2." in _submission_page(root, answer).read_text()
    assert "incorporated" in _submission_page(root, planted["visible"]).read_text()
    assert _submission_page(root, planted["visible"]).read_text() != unchanged
    # An update gives what a fresh export of the same record gives, file for file.
    fresh = tmp_path / "fresh"
    _export(app, fresh, "2026-11-30 08:00 UTC")
    assert (root / "SHA256SUMS").read_text() == (fresh / "SHA256SUMS").read_text()


def test_an_update_of_the_same_record_renders_no_submission_page_nor_compilation(app, planted, tmp_path,  # noqa: F811
                                                                 monkeypatch):
    root = tmp_path / "archive"
    first = _export(app, root, "2026-11-29 08:00 UTC")
    rendered = []
    original = app.test_client_class.open

    def counting(self, *args, **kwargs):
        rendered.append(args[0] if args else kwargs.get("path"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(app.test_client_class, "open", counting)
    second = _export(app, root, "2026-11-29 08:00 UTC", update=True)
    assert second.pages == first.pages
    assert not [a for a in rendered if "/submissions/" in a or "/compilation" in a]
    assert second.reused >= len(list(root.glob("consultations/gpa/submissions/*/index.html")))


def test_an_update_refuses_an_altered_or_foreign_folder(app, planted, tmp_path):  # noqa: F811
    root = tmp_path / "archive"
    _export(app, root, "2026-11-29 08:00 UTC")
    (root / "index.html").write_text("changed by hand")
    with pytest.raises(ArchiveError, match="no longer match"):
        _export(app, root, "2026-11-30 08:00 UTC", update=True)
    assert (root / "index.html").read_text() == "changed by hand"  # left as it was
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(ArchiveError, match="does not hold an archive"):
        _export(app, other, "2026-11-30 08:00 UTC", update=True)
    assert [p.name for p in other.iterdir()] == ["notes.txt"]


def test_a_failed_export_leaves_no_half_written_folder(app, planted, tmp_path,  # noqa: F811
                                                       monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(static_site, "_relink_missing", broken)
    target = tmp_path / "archive"
    with pytest.raises(RuntimeError):
        _export(app, target, "2026-11-29 08:00 UTC")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["instance"]  # nothing of it left
    # An archive being updated stays whole when the update fails.
    monkeypatch.undo()
    _export(app, target, "2026-11-29 08:00 UTC")
    before = (target / "SHA256SUMS").read_text()
    monkeypatch.setattr(static_site, "_relink_missing", broken)
    with pytest.raises(RuntimeError):
        _export(app, target, "2026-11-30 08:00 UTC", update=True)
    assert (target / "SHA256SUMS").read_text() == before and verify_manifest(target) == []


def test_a_killed_export_leaves_the_folder_as_it_was(database_url, app, planted,  # noqa: F811
                                                     tmp_path):
    """Killed outright (no clean-up possible): the target holds nothing half-written."""
    target = tmp_path / "archive"
    script = (
        "import os, signal, sys\n"
        "from consult import create_app\n"
        "from consult.archive import static_site\n"
        "app = create_app({'DATABASE_URL': sys.argv[1], 'SECRET_KEY': 'x', "
        "'SEARCH_UPDATES': 'request'}, instance=sys.argv[3])\n"
        "static_site._relink_missing = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
        "static_site.export_archive(app, sys.argv[2], made_on='x')\n")
    done = subprocess.run([sys.executable, "-c", script, database_url, str(target),
                           str(tmp_path / "instance")], cwd=os.getcwd(), check=False,
                          capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert not target.exists()
    # The next export clears what the killed one left beside it, and succeeds.
    _export(app, target, "2026-11-29 08:00 UTC")
    assert verify_manifest(target) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".archive")] == []


def test_a_page_whose_label_has_a_dot_is_a_page_not_a_file():
    """COP21's labels (Art.11-OP3) used to be saved as files without .html: a browser
    opening the archive from disk would not show them as pages, and --update could not
    follow their links."""
    page = "/consultations/cop21/versions/3/paragraphs/Art.11-OP3"
    assert static_site.file_for(page) == \
        "consultations/cop21/versions/3/paragraphs/Art.11-OP3/index.html"
    assert static_site.file_for("/consultations/cop21/versions/3/compilation.docx") == \
        "consultations/cop21/versions/3/compilation.docx"
