"""Issue 17, part 2: the disk under the index full or read-only. Searches go on answering
from the index as it is (results are checked against the database anyway); nothing is
mistaken for damage and rebuilt; and the index catches up once the disk takes writes
again, without waiting on a lock the failed write left behind."""

from __future__ import annotations

import errno

from whoosh.writing import SegmentWriter

from consult.search.sync import check_index, current_index
from tests.search.conftest import ids


def test_a_full_disk_leaves_search_answering_and_it_catches_up_after(
        find, post, fra, monkeypatch, caplog):
    first = post(fra, "Who asked for a trust fund for victims?")
    assert ids(find("trust fund")) == [first.id]
    folder = current_index().current_dir()

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(SegmentWriter, "commit", full)
        second = post(fra, "A second trust fund, for shelters.")
        page = find("trust fund")  # answers, from the index as it was
        assert ids(page) == [first.id]
        assert "search index not caught up" in caplog.text
        # Not taken for damage: the same index folder, no rebuild.
        assert current_index().current_dir() == folder
        # The failed commit gave Whoosh's own lock back: a writer can be had at once.
        current_index().index().writer(timeout=0).cancel()

    # Space is back: the next search catches the index up.
    assert sorted(ids(find("trust fund"))) == sorted([first.id, second.id])
    assert check_index()["ok"]
