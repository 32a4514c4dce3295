"""The static archive: the public record as files that open from disk, with a manifest.

The pages are the site's own, asked for as an anonymous reader would (so they can hold
nothing the public may not see), with the interactive parts left out and every link
rewritten to a relative path. The open data (JSON, CSV, Akoma Ntoso) is written beside
them, and SHA256SUMS lists every file so that any later copy can be checked with
`sha256sum -c SHA256SUMS`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import posixpath
import re
import shutil
import tempfile
from collections import deque
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Flask
from markupsafe import escape

MANIFEST = "SHA256SUMS"
# What `--update` needs to know of the archive it refreshes: each page's address, file and
# the digest of what it showed (consult/archive/stamps.py).
STATE = "archive-state.json"
STATE_FORMAT = 1
# Addresses of the public record that the archive follows; everything else (forms, staff
# pages, search, logins) stays out, and links to it point at the live site instead.
_FOLLOW = [
    re.compile(r"^/$"),
    re.compile(r"^/consultations/[^/]+$"),
    re.compile(r"^/consultations/[^/]+/(log|submissions|data)$"),
    re.compile(r"^/consultations/[^/]+/paragraphs/[^/]+$"),
    re.compile(r"^/consultations/[^/]+/submissions/\d+$"),
    re.compile(r"^/consultations/[^/]+/compare/\d+/\d+$"),
    re.compile(r"^/consultations/[^/]+/versions/\d+$"),
    re.compile(r"^/consultations/[^/]+/versions/\d+/(statements|compilation|compilation\.docx)$"),
    re.compile(r"^/consultations/[^/]+/versions/\d+/paragraphs/[^/]+$"),
    re.compile(r"^/delegations/[^/]+$"),
    re.compile(r"^/moderation-log$"),
]
# Query arguments that give a page of its own (pagination, the comparison's views), each
# with the only values followed: they become part of file names.
# A version's text in each of its languages is archived too (side by side is not: it would
# multiply the pages by thirty for what the single-language pages already hold).
_KEEP_QUERY = {"page": re.compile(r"^[1-9][0-9]{0,5}$"), "view": re.compile(r"^side$"),
               "changes": re.compile(r"^only$"), "text": re.compile(r"^(ar|zh|en|fr|ru|es)$")}
# Addresses that are files of their own, not pages (kept under their own name).
_OWN_FILES = {"docx", "xml", "json", "csv", "atom"}
# Path segments become folder names: nothing but plain characters, never "." or "..".
_SAFE_SEGMENT = re.compile(r"^(?!\.{1,2}$)[A-Za-z0-9_.()\-]{1,100}$")
_LINK = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
# Scripts are not needed, and forms cannot work from disk (search, filters, choosers).
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>\s*", re.DOTALL)
# An image a draft embeds from elsewhere. The site's Content-Security-Policy keeps it from
# loading there; a page opened from disk has no such header, and would fetch it (telling
# its owner who reads the archive, and when). The archive replaces it with a link to it.
_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'\s(src|alt)="([^"]*)"')
_FORM = re.compile(r"<form\b[^>]*>.*?</form>\s*", re.DOTALL)


class ArchiveError(Exception):
    """The archive cannot be written where asked."""


@dataclasses.dataclass
class ArchiveResult:
    """What was written."""

    root: Path
    pages: int
    data_files: int
    files: int
    reused: int = 0  # pages unchanged since the archive updated, not rendered again


def _follows(path: str) -> bool:
    return any(pattern.match(path) for pattern in _FOLLOW)


def _normalise(url: str) -> str | None:
    """The address as the archive keys it (path plus kept query), or None if not followed."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if not _follows(parts.path):
        return None
    if not all(_SAFE_SEGMENT.match(segment) for segment in parts.path.strip("/").split("/")
               if parts.path != "/"):
        return None
    query = sorted((k, v) for k, v in parse_qsl(parts.query)
                   if k in _KEEP_QUERY and _KEEP_QUERY[k].match(v))
    if any(k == "page" and v == "1" for k, v in query):
        query = [(k, v) for k, v in query if k != "page"]  # page 1 is the page itself
    return parts.path + ("?" + urlencode(query) if query else "")


def file_for(address: str) -> str:
    """The relative file that holds the page at an archive address."""
    parts = urlsplit(address)
    path = parts.path.strip("/")
    query = "".join(f"--{k}-{v}" for k, v in parse_qsl(parts.query))
    last = path.rsplit("/", 1)[-1]
    if not query and last.rsplit(".", 1)[-1] in _OWN_FILES:
        return path  # a file of its own (compilation.docx); "Art.11-OP3" is a page
    return posixpath.join(path, f"index{query}.html") if path else f"index{query}.html"


def _relative(target: str, from_file: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(from_file) or ".")


def _rewrite(html: str, page_file: str, *, data_links: dict[str, str], live_site: str,
             found: list[str]) -> str:
    """Point every link at the archived copy (or the live site); collect pages to fetch."""

    def replace(match: re.Match) -> str:
        url = match.group(2)
        if not url.startswith("/") or url.startswith("//"):
            return match.group(0)
        path, _, fragment = url.partition("#")
        anchor = f"#{fragment}" if fragment else ""
        if path == "":
            return match.group(0)
        if path.startswith("/static/"):
            return match.group(1) + _relative(path.lstrip("/"), page_file) + anchor + \
                match.group(3)
        if path in data_links:
            return match.group(1) + _relative(data_links[path], page_file) + anchor + \
                match.group(3)
        address = _normalise(path)
        if address is None:
            return match.group(1) + live_site.rstrip("/") + url + match.group(3)
        found.append(address)
        return match.group(1) + _relative(file_for(address), page_file) + anchor + \
            match.group(3)

    return _LINK.sub(replace, _IMAGE.sub(_image_as_link, _FORM.sub("", _SCRIPT.sub("", html))))


def _image_as_link(match: re.Match) -> str:
    """An image from elsewhere as a link to it (its alternative text, else its address);
    the site's own images (under /static/) stay."""
    found = dict(_ATTRIBUTE.findall(match.group(0)))
    src = found.get("src", "")
    if src.startswith("/static/"):
        return match.group(0)
    words = found.get("alt") or src  # already escaped in the page's HTML
    return f'<a class="image-link" href="{src}" rel="nofollow noopener">{words}</a>'


def _write(root: Path, relative: str, data: bytes) -> None:
    target = (root / relative).resolve()
    # Names come from addresses on the site; whatever they say, nothing leaves the folder.
    if not target.is_relative_to(root.resolve()):
        raise ArchiveError(f"refused to write outside the archive: {relative}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _data_files(app: Flask, root: Path, base_url: str, progress,
                generated_at=None) -> tuple[dict[str, str], int]:
    """Write the open data of every consultation; map their API addresses to the files."""
    from consult.archive import export
    from consult.drafts.services import list_consultations

    links: dict[str, str] = {}
    count = 0
    for consultation in list_consultations():
        slug = consultation.slug
        json_file = f"data/{slug}.json"
        with open(root / _ensure_dir(root, json_file), "w", encoding="utf-8") as out:
            out.writelines(export.iter_export_json(
                consultation, base_url=base_url, generated_at=generated_at,
                progress=_every_tenth(lambda done, total, slug=slug: progress(
                    f"data: {slug}.json, {done:,} of {total:,} rows"))))
        links[f"/api/v1/consultations/{slug}/export.json"] = json_file
        count += 1
        for table in export.export_tables():
            csv_file = f"data/{slug}-{table}.csv"
            with open(root / _ensure_dir(root, csv_file), "w", encoding="utf-8",
                      newline="") as out:
                out.writelines(export.iter_export_csv(consultation, table=table,
                                                      base_url=base_url))
            links[f"/api/v1/consultations/{slug}/export.csv?table={table}"] = csv_file
            if table == export.DEFAULT_TABLE:
                links[f"/api/v1/consultations/{slug}/export.csv"] = csv_file
            count += 1
        count += _akoma_ntoso(root, consultation, links)
        progress(f"data: {slug}")
    return links, count


def _every_tenth(report):
    """A progress callback that speaks at each tenth of the way (and at the end)."""
    said = {"step": -1}

    def tell(done: int, total: int) -> None:
        step = 10 * done // total if total else 10
        if step != said["step"]:
            said["step"] = step
            report(done, total)

    return tell


def _akoma_ntoso(root: Path, consultation, links: dict[str, str]) -> int:
    """Each published version as Akoma Ntoso XML."""
    from consult.archive.akn import version_akn

    written = 0
    for version in consultation.versions:
        if not version.is_public:
            continue
        relative = f"data/{consultation.slug}/versions/{version.id}.akn.xml"
        _write(root, relative, version_akn(version))
        links[f"/api/v1/versions/{version.id}/akn.xml"] = relative
        written += 1
    return written


def _ensure_dir(root: Path, relative: str) -> str:
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    return relative


def write_manifest(root: Path) -> int:
    """Write SHA256SUMS: one `<sha256>  <relative path>` line per file, sorted."""
    lines = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST):
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        lines.append(f"{digest.hexdigest()}  {path.relative_to(root).as_posix()}\n")
    (root / MANIFEST).write_text("".join(lines), encoding="utf-8")
    return len(lines)


def verify_manifest(root: Path) -> list[str]:
    """The files whose content no longer matches SHA256SUMS (or that are missing)."""
    bad = []
    for line in (root / MANIFEST).read_text(encoding="utf-8").splitlines():
        expected, _, relative = line.partition("  ")
        path = root / relative
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            bad.append(relative)
    return bad


def export_archive(app: Flask, target: Path, *, live_site: str = "", made_on: str = "",
                   generated_at=None, progress=lambda message: None,
                   update: bool = False) -> ArchiveResult:
    """Write the static archive of the public record into `target` (new or empty), or with
    `update`, refresh the archive already there, rendering only the pages that changed.

    The archive is built in a folder beside `target` and put in its place only when
    complete: a failure of any kind (an error, a crash, the process killed) never leaves a
    half-written archive at `target`, and an archive being updated stays whole until then.
    """
    target = Path(target)
    previous = None
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        if not update:
            raise ArchiveError(f"{target} exists and is not an empty folder; choose a new "
                               "one, or update the archive in it with --update.")
        previous = PreviousArchive.open(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.partial-*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a run that was killed
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        result = _build(app, work, previous=previous, live_site=live_site or "http://localhost",
                        made_on=made_on, generated_at=generated_at, progress=progress)
        _put_in_place(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return dataclasses.replace(result, root=target)


def _put_in_place(work: Path, target: Path) -> None:
    """Swap the finished archive in: two renames on the same file system."""
    if target.exists() and not any(target.iterdir()):
        target.rmdir()
    if not target.exists():
        work.rename(target)
        return
    old = target.with_name(f".{target.name}.old-{work.name.rsplit('-', 1)[-1]}")
    target.rename(old)
    work.rename(target)
    shutil.rmtree(old, ignore_errors=True)


@dataclasses.dataclass
class PreviousArchive:
    """An archive made earlier: its files (checked against its SHA256SUMS) and its state."""

    root: Path
    made_on: str
    pages: dict[str, dict]  # address → {"file": …, "stamp": … or None}

    @classmethod
    def open(cls, root: Path) -> "PreviousArchive":
        """Read and check an archive to update; refuse anything else."""
        state_file = root / STATE
        if not (root / MANIFEST).is_file() or not state_file.is_file():
            raise ArchiveError(f"{root} does not hold an archive made by this program; "
                               "choose a new folder.")
        altered = verify_manifest(root)
        if altered:
            raise ArchiveError(f"{len(altered)} files of {root} no longer match its "
                               f"{MANIFEST} (e.g. {altered[0]}); make a new archive instead.")
        state = json.loads(state_file.read_text(encoding="utf-8"))
        if state.get("format") != STATE_FORMAT:
            raise ArchiveError(f"{root} was made by another version of this program; "
                               "make a new archive instead.")
        return cls(root, state["made_on"], state["pages"])

    def reusable(self, address: str, stamp: str | None) -> str | None:
        """The file holding this page if it was archived with the same stamp, else None."""
        kept = self.pages.get(address)
        if stamp is None or kept is None or kept["stamp"] != stamp:
            return None
        return kept["file"]


def _build(app: Flask, target: Path, *, previous: PreviousArchive | None, live_site: str,
           made_on: str, generated_at, progress) -> ArchiveResult:
    """Write the whole archive into the (new, empty) folder `target`."""
    from consult.archive.stamps import RecordStamps

    static = Path(app.static_folder)
    for name in ("consult.css", "compare.css", "compilation.css"):
        if (static / name).is_file():
            _write(target, f"static/{name}", (static / name).read_bytes())

    with app.app_context():
        data_links, data_files = _data_files(app, target, live_site, progress, generated_at)
        stamps = RecordStamps(app)

    client = app.test_client()
    environ = {"consult.static_archive": made_on or "today"}
    # The home page leads to everything else but the log of all consultations.
    seeds = ["/", "/moderation-log"]
    queue, seen, pages, reused = deque(seeds), set(seeds), 0, 0
    missing: set[str] = set()
    linking: dict[str, set[str]] = {}  # address → the archived pages that link to it
    archived: dict[str, dict] = {}
    by_file = {kept["file"]: address for address, kept in previous.pages.items()} \
        if previous else {}

    def follow(page_file: str, found: list[str]) -> None:
        for next_address in found:
            linking.setdefault(next_address, set()).add(page_file)
            if next_address not in seen:
                seen.add(next_address)
                queue.append(next_address)

    while queue:
        address = queue.popleft()
        stamp = stamps.page(address)
        kept = previous.reusable(address, stamp) if previous else None
        if kept is not None:
            # Unchanged since the last export: copy it (a page with this archive's date,
            # its links followed again from the file) without rendering it.
            if kept.endswith(".html"):  # every page is index….html (file_for)
                html = (previous.root / kept).read_text(encoding="utf-8")
                html = _restamp(html, previous.made_on, made_on or "today")
                _write(target, kept, html.encode("utf-8"))
                follow(kept, _links_in(html, kept, by_file))
            else:
                _write(target, kept, (previous.root / kept).read_bytes())
            archived[address] = {"file": kept, "stamp": stamp}
            pages += 1
            reused += 1
            continue
        response = client.get(address, environ_overrides=environ)
        if response.status_code >= 500:
            response.close()
            raise ArchiveError(f"{address} answered {response.status_code}; the archive "
                               "would be incomplete, so nothing was kept.")
        if response.status_code != 200:
            response.close()
            missing.add(address)  # linked from user text, but not public (or not there)
            continue
        page_file = file_for(address)
        if response.mimetype == "text/html":
            found: list[str] = []
            html = _rewrite(response.get_data(as_text=True), page_file,
                            data_links=data_links, live_site=live_site, found=found)
            _write(target, page_file, html.encode("utf-8"))
            follow(page_file, found)
            # Every page is listed (its links are read back through this list when a page
            # linking to it is kept), with a stamp only where one is known.
            archived[address] = {"file": page_file, "stamp": stamp}
        else:
            _write(target, page_file, response.get_data())
            archived[address] = {"file": page_file, "stamp": stamp}
        response.close()
        pages += 1
        if pages % 1000 == 0:
            progress(f"pages: {pages} written ({reused} unchanged), {len(queue)} to go")
    _relink_missing(target, missing, linking, live_site)
    progress(f"pages: {pages} written ({reused} unchanged since the archive updated)"
             if previous else f"pages: {pages} written")
    _write(target, "README.txt", _readme(made_on).encode("utf-8"))
    _write(target, STATE, json.dumps(
        {"format": STATE_FORMAT, "made_on": made_on or "today", "pages": archived},
        sort_keys=True, indent=0).encode("utf-8"))
    files = write_manifest(target)
    progress(f"manifest: {files} files in {MANIFEST}")
    return ArchiveResult(target, pages, data_files, files + 1, reused)


def _restamp(html: str, old: str, new: str) -> str:
    """The date in a reused page's archive note, made this archive's."""
    start = html.find('<p class="archive-note">')
    if start < 0 or old == new:
        return html
    end = html.find("</p>", start)
    return html[:start] + html[start:end].replace(escape(old), escape(new)) + html[end:]


_RELATIVE_LINK = re.compile(r'\s(?:href|src)="([^"#:]+)(?:#[^"]*)?"')


def _links_in(html: str, page_file: str, by_file: dict[str, str]) -> list[str]:
    """The archive addresses a page archived earlier links to (from its relative links)."""
    found = []
    folder = posixpath.dirname(page_file)
    for relative in _RELATIVE_LINK.findall(html):
        address = by_file.get(posixpath.normpath(posixpath.join(folder, relative)))
        if address is not None:
            found.append(address)
    return found


def _relink_missing(root: Path, missing: set[str], linking: dict[str, set[str]],
                    live_site: str) -> None:
    """Point links to pages the archive could not hold at the live site instead."""
    for address in missing:
        for page_file in linking.get(address, ()):
            path = root / page_file
            html = path.read_text(encoding="utf-8")
            relative = _relative(file_for(address), page_file)
            html = html.replace(f'="{relative}"', f'="{live_site.rstrip("/")}{address}"')
            html = html.replace(f'="{relative}#', f'="{live_site.rstrip("/")}{address}#')
            path.write_text(html, encoding="utf-8")


def _readme(made_on: str) -> str:
    return (
        "Consult — static archive of the public record\n"
        f"Made: {made_on}\n\n"
        "Open index.html in any browser; no server and no JavaScript are needed.\n"
        "data/ holds the open data: <consultation>.json (everything), one CSV per table,\n"
        "and each published version as Akoma Ntoso XML (data/<consultation>/versions/).\n"
        f"{MANIFEST} lists the SHA-256 of every file. To check that a copy is unchanged:\n\n"
        f"    cd this-folder && sha256sum -c {MANIFEST}\n\n"
        f"{STATE} tells `flask --app app archive export --update` which pages it may keep\n"
        "as they are when it refreshes this archive.\n"
    )
