"""`flask --app app archive export DIR`: the static archive, its data and its manifest."""

import re
import shutil
import subprocess

import pytest

from consult.archive.static_site import ArchiveError, export_archive, verify_manifest
from tests.moderation.test_leaks import SECRETS, planted  # noqa: F401  (fixture)


@pytest.fixture
def archive(app, planted, tmp_path):  # noqa: F811
    """The archive of the planted record (hidden submissions, a draft)."""
    root = tmp_path / "archive"
    result = export_archive(app, root, made_on="2026-11-29 08:00 UTC",
                            live_site="https://consult.example")
    return root, result


def every_file(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_the_archive_holds_the_public_record_as_linked_pages(archive, planted):  # noqa: F811
    root, result = archive
    rev1 = planted["versions"][1]
    assert (root / "index.html").is_file() and (root / "README.txt").is_file()
    version_page = root / f"consultations/gpa/versions/{rev1.id}/index.html"
    html = version_page.read_text(encoding="utf-8")
    assert "Rev.1" in html and "Static copy of the public record" in html
    # Links are relative and lead to files that exist; nothing needs a server or a script.
    for href in re.findall(r'href="([^"#]+)', html):
        if href.startswith("http"):
            continue
        assert not href.startswith("/"), href
        assert (version_page.parent / href).resolve().is_file(), href
    assert "<script" not in html and "<form" not in html.split("<main")[0]
    for must in (f"consultations/gpa/versions/{rev1.id}/compilation/index.html",
                 f"consultations/gpa/versions/{rev1.id}/compilation.docx",
                 "consultations/gpa/log/index.html", "moderation-log/index.html",
                 "consultations/gpa/submissions/index.html",
                 f"consultations/gpa/submissions/{planted['visible'].id}/index.html",
                 "delegations/FRA/index.html", "data/gpa.json", "data/gpa-submissions.csv",
                 "consultations/gpa/data/index.html", "data/gpa-log.csv",
                 f"data/gpa/versions/{rev1.id}.akn.xml", "static/consult.css"):
        assert (root / must).is_file(), must
    compare = list((root / "consultations/gpa/compare").rglob("index.html"))
    assert compare, "the comparison of consecutive versions is archived"
    assert result.pages > 10 and result.files == len(every_file(root))


def test_every_link_between_archived_pages_leads_to_a_file(archive):
    root, _result = archive
    broken = []
    for page in root.rglob("*.html"):
        for target in re.findall(r'(?:href|src)="([^"#]*)', page.read_text(encoding="utf-8")):
            if target and not target.startswith(("http:", "https:", "mailto:")) \
                    and not (page.parent / target).resolve().is_file():
                broken.append((page.relative_to(root).as_posix(), target))
    assert broken == []


def test_nothing_hidden_unpublished_or_private_is_in_any_file(archive, planted):  # noqa: F811
    root, _result = archive
    draft = planted["draft"]
    for path in every_file(root):
        data = path.read_bytes()
        if path.suffix == ".docx":
            import io
            import zipfile

            with zipfile.ZipFile(io.BytesIO(data)) as docx:
                data = b"".join(docx.read(name) for name in docx.namelist())
        text = data.decode("utf-8", "replace").lower()
        for secret in SECRETS:
            assert secret not in text, (path, secret)
        assert "@example.org" not in text, path  # no account's e-mail address
        assert f"/versions/{draft.id}/" not in text, path
    assert not (root / f"consultations/gpa/versions/{draft.id}").exists()
    hidden = planted["hidden"]
    assert not (root / f"consultations/gpa/submissions/{hidden.id}").exists()


def test_the_manifest_verifies_and_detects_a_changed_file(archive):
    root, _result = archive
    lines = (root / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert all(re.fullmatch(r"[0-9a-f]{64}  \S.*", line) for line in lines)
    assert "SHA256SUMS" not in "\n".join(lines)
    assert len(lines) == len(every_file(root)) - 1
    checked = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=root,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert verify_manifest(root) == []
    tampered = root / "data/gpa.json"
    tampered.write_text(tampered.read_text(encoding="utf-8").replace("Rev.1", "Rev.9"),
                        encoding="utf-8")
    checked = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=root,
                             capture_output=True, text=True, check=False)
    assert checked.returncode != 0 and "data/gpa.json: FAILED" in checked.stdout
    assert verify_manifest(root) == ["data/gpa.json"]


def test_the_command_reports_progress_and_refuses_a_used_folder(runner, planted, tmp_path):  # noqa: F811
    target = tmp_path / "out"
    result = runner.invoke(args=["archive", "export", str(target),
                                 "--site-url", "https://consult.example"])
    assert result.exit_code == 0, result.output
    assert "pages:" in result.output and "Archive written to" in result.output
    assert "data: gpa.json," in result.output and "rows" in result.output
    assert (target / "SHA256SUMS").is_file()
    again = runner.invoke(args=["archive", "export", str(target)])
    assert again.exit_code == 1 and "not an empty folder" in again.output
    with pytest.raises(ArchiveError):
        export_archive(runner.app, target)
    shutil.rmtree(target)


def test_two_exports_of_the_same_record_stamped_alike_are_identical(runner, planted,  # noqa: F811
                                                                    tmp_path):
    for name in ("one", "two"):
        result = runner.invoke(args=["archive", "export", str(tmp_path / name),
                                     "--made-on", "2026-11-29T08:00"])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "one/SHA256SUMS").read_bytes() == \
        (tmp_path / "two/SHA256SUMS").read_bytes()
    bad = runner.invoke(args=["archive", "export", str(tmp_path / "three"),
                              "--made-on", "yesterday"])
    assert bad.exit_code == 1 and "--made-on" in bad.output


def test_links_in_user_text_cannot_steer_the_archive(app, planted, tmp_path):  # noqa: F811
    from consult.comments import services as comments
    from consult.db import db
    from tests.comments.conftest import paragraph

    rev1 = planted["versions"][1]
    escape = "/".join([".."] * 12) + "/escaped"
    text = (f"[a](/consultations/gpa/versions/{rev1.id}/paragraphs/OP2?page=/{escape}) "
            f"[b](/consultations/gpa/submissions?page=99999) "
            f"[c](/consultations/gpa/paragraphs/..) "
            f"[d](/consultations/gpa/submissions/{planted['hidden'].id})")
    comments.post_comment(planted["outsider"], paragraph(rev1, "OP2"), text)
    db.session.commit()
    root = tmp_path / "deep" / "archive"
    export_archive(app, root, made_on="2026-11-29 08:00 UTC", live_site="https://live.example")
    assert not list(tmp_path.rglob("escaped*"))
    assert all(p.resolve().is_relative_to(root.resolve()) for p in root.rglob("*"))
    page = (root / f"consultations/gpa/versions/{rev1.id}/paragraphs/OP2/index.html")
    html = page.read_text(encoding="utf-8")
    # What the archive cannot hold is linked on the live site, not left as a dead link.
    assert f'href="https://live.example/consultations/gpa/submissions/{planted["hidden"].id}"' \
        in html


def test_images_from_elsewhere_become_links_in_the_archive(app, staff, consultation, tmp_path):
    from consult.db import db
    from consult.drafts import services as drafts

    drafts.create_version(staff, consultation, label="Zero draft", publish=True,
                          text="# Plan\n\n1. *Calls upon* States to act "
                               "![the map](https://tracker.example/pixel.png);\n")
    db.session.commit()
    root = tmp_path / "archive"
    export_archive(app, root, made_on="2026-11-29 08:00 UTC")
    pages = [p for p in every_file(root) if p.suffix == ".html"]
    html = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    assert "tracker.example" in html  # still said where it was
    assert not re.search(r"<img\b[^>]*tracker\.example", html)  # never fetched on opening
    assert '<a class="image-link" href="https://tracker.example/pixel.png" ' \
           'rel="nofollow noopener">the map</a>' in html
