"""Issue 17, part 2: a node's index folder deleted or cut short while serving.

Above SEARCH_REBUILD_INLINE_BELOW submissions (0 here), a search that finds the index
missing or unreadable starts one rebuild in a thread of the process and answers 503 "the
search index is being rebuilt" at once; when the rebuild is done, searches give every
result again and `search check` is clean. Below it, the request rebuilds as before.
The rebuild is held at a gate (`gated`) so that each test sees the outage for certain,
then released; nothing here waits on a clock except bounded joins.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

import pytest

from consult.search import services as search_services
from consult.search import sync as sync_module
from consult.search.engine import SearchIndex
from consult.search.sync import check_index, current_index, wait_for_rebuild

NOTICE = "The search index is being rebuilt."
WAIT = 60  # seconds at most for a rebuild of a few documents (bounded, never slept)


@pytest.fixture
def gated(app, monkeypatch):
    """Once `gate.arm()` is called, searches rebuild in the background; each rebuild waits
    for `gate.set()` and is counted in `gate.calls` (the thread names that ran one);
    `gate.reached` is set once one waits there."""
    gate = threading.Event()
    gate.arm = lambda: monkeypatch.setitem(app.config, "SEARCH_REBUILD_INLINE_BELOW", 0)
    gate.calls = []
    gate.reached = threading.Event()  # a rebuild is waiting at the gate
    real = sync_module.rebuild_index

    def rebuild(*args, **kwargs):
        gate.calls.append(threading.current_thread().name)
        gate.reached.set()
        assert gate.wait(WAIT), "the test never opened the gate"
        return real(*args, **kwargs)

    monkeypatch.setattr(sync_module, "rebuild_index", rebuild)
    yield gate
    gate.set()  # never leave a thread waiting on a failed test
    assert wait_for_rebuild(WAIT)


def _cut_short(how: str) -> None:
    """Truncate every segment file of the live index to half its size, or to nothing."""
    segments = list(current_index().current_dir().glob("*.seg"))
    assert segments
    for path in segments:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2] if how == "half" else b"")


def _says_rebuilding(response, query: str) -> None:
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert NOTICE in text and "Traceback" not in text
    assert f'value="{query}"' in text  # the form is still there, with the reader's words
    assert response.headers["Retry-After"] == "60"
    assert response.headers["Cache-Control"] == "no-store"


def _found(client, query: str) -> list[int]:
    answer = client.get(f"/api/v1/search?q={query}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return sorted(r["id"] for r in answer.get_json()["results"] if r["type"] != "paragraph")


# Whoosh leaves a damaged segment file open when it fails to read it; the garbage
# collector closes it later with a ResourceWarning that is not ours to fix.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("damage", ["deleted", "half", "empty"])
def test_a_damaged_index_answers_503_then_comes_back_complete(app, client, post, fra, find,
                                                              gated, runner, damage):
    made = sorted(post(fra, f"Rebuilt in the background: ibis {n}.").id for n in range(12))
    assert _found(client, "ibis") == made  # the index exists and a searcher is open
    if damage == "deleted":
        shutil.rmtree(app.config["SEARCH_INDEX_PATH"])
    else:
        _cut_short(damage)
    gated.arm()

    _says_rebuilding(client.get("/search?q=ibis"), "ibis")
    api = client.get("/api/v1/search?q=ibis")
    assert api.status_code == 503 and api.headers["Retry-After"] == "60"
    assert api.get_json()["error"]["code"] == "search_rebuilding"
    assert NOTICE in api.get_json()["error"]["message"]
    assert gated.reached.wait(WAIT)
    assert gated.calls == ["consult-search-rebuild"]

    gated.set()
    assert wait_for_rebuild(WAIT)
    assert _found(client, "ibis") == made
    assert "ibis" in client.get("/search?q=ibis").get_data(as_text=True)
    report = check_index()
    assert report["ok"] and not report["pending"] and not report["problem"]
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert len(gated.calls) == 1


def test_the_notice_is_in_the_readers_language(app, client, post, fra, gated):
    post(fra, "Rebuilt in the background: egret.")
    shutil.rmtree(app.config["SEARCH_INDEX_PATH"])
    gated.arm()
    page = client.get("/search?q=egret", headers={"Accept-Language": "fr"})
    assert page.status_code == 503
    assert "L’index de recherche est en cours de reconstitution." in page.get_data(as_text=True)


def test_concurrent_searches_start_one_rebuild(app, post, fra, gated):
    post(fra, "Rebuilt once: crane.")
    shutil.rmtree(app.config["SEARCH_INDEX_PATH"])
    gated.arm()
    statuses = []

    def search():
        statuses.append(app.test_client().get("/api/v1/search?q=crane").status_code)

    readers = [threading.Thread(target=search) for _ in range(8)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(WAIT)
    assert statuses == [503] * 8
    assert gated.reached.wait(WAIT)
    assert len(gated.calls) == 1
    gated.set()
    assert wait_for_rebuild(WAIT)
    assert app.test_client().get("/api/v1/search?q=crane").status_code == 200
    assert len(gated.calls) == 1


def test_while_this_process_rebuilds_searches_do_not_touch_the_index(
        app, client, post, fra, gated, monkeypatch):
    post(fra, "Answered at once: snipe.")
    shutil.rmtree(app.config["SEARCH_INDEX_PATH"])
    gated.arm()
    assert client.get("/api/v1/search?q=snipe").status_code == 503
    assert gated.reached.wait(WAIT)

    def opened(self):
        raise AssertionError("the index was opened while this process rebuilds it")

    with monkeypatch.context() as patch:
        patch.setattr(SearchIndex, "exists", opened)
        _says_rebuilding(client.get("/search?q=snipe"), "snipe")
    gated.set()
    assert wait_for_rebuild(WAIT)
    assert client.get("/api/v1/search?q=snipe").status_code == 200


_HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)
"""


def test_a_rebuild_in_another_process_is_not_doubled_and_its_death_frees_the_guard(
        app, client, post, fra, gated, monkeypatch):
    made = post(fra, "Another worker rebuilds: stilt.")
    shutil.rmtree(app.config["SEARCH_INDEX_PATH"])
    gated.arm()
    lock = current_index().root / "write.lock"
    lock.parent.mkdir(parents=True)
    other = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(lock)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "locked"
        # Another worker process holds the writer lock: this one says so and starts none.
        assert client.get("/api/v1/search?q=stilt").status_code == 503
        assert wait_for_rebuild(WAIT)
        assert gated.calls == []
    finally:
        other.kill()  # it dies half-way: the flock goes with it, no stale guard
        other.wait(WAIT)
        other.stdout.close()
    # Searches here answer 503 for a moment without trying again (REBUILDING_SEEN_SECONDS);
    # no moment here, so that the next search looks at once.
    monkeypatch.setattr(search_services, "REBUILDING_SEEN_SECONDS", 0)
    assert client.get("/api/v1/search?q=stilt").status_code == 503
    assert gated.reached.wait(WAIT)
    assert len(gated.calls) == 1
    gated.set()
    assert wait_for_rebuild(WAIT)
    assert _found(client, "stilt") == [made.id]


def test_the_follower_waits_for_a_rebuild_under_way_and_does_not_repeat_it(
        app, client, post, fra, gated):
    made = post(fra, "Follower and rebuild: avocet.")
    shutil.rmtree(app.config["SEARCH_INDEX_PATH"])
    gated.arm()
    assert client.get("/api/v1/search?q=avocet").status_code == 503
    assert gated.reached.wait(WAIT)  # the rebuild holds the writer lock
    done = []

    def follower():
        with app.app_context():
            done.append(sync_module.sync_index())  # blocks on the writer lock meanwhile

    thread = threading.Thread(target=follower)
    thread.start()
    gated.set()
    assert wait_for_rebuild(WAIT)
    thread.join(WAIT)
    assert done and len(gated.calls) == 1
    assert _found(client, "avocet") == [made.id]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_follower_rebuilds_an_index_cut_short_and_says_so(app, client, post, fra, runner,
                                                              caplog):
    made = post(fra, "Follower repairs: godwit.")
    assert _found(client, "godwit") == [made.id]
    _cut_short("half")  # under the searcher this process keeps open, which does not see it
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert "rebuilding it" in caplog.text
    assert check_index()["ok"]
    assert _found(client, "godwit") == [made.id]


def test_a_small_corpus_is_still_rebuilt_inside_the_request(app, client, post, fra,
                                                             monkeypatch):
    made = post(fra, "Rebuilt inline: plover.")
    shutil.rmtree(app.config["SEARCH_INDEX_PATH"])

    def no_thread(broken=None):
        raise AssertionError("a small index is rebuilt in the request")

    monkeypatch.setattr(search_services, "start_background_rebuild", no_thread)
    assert _found(client, "plover") == [made.id]
    assert check_index()["ok"]
