"""No worker dies of CPython 3.11's collector bug (issue 14).

On CPython 3.11 a garbage collection can start inside the allocation of an object's
`__dict__`. A rendered page leaves its ORM objects in reference cycles (Jinja's contexts and
macros); when closing the session sets attributes on every InstanceState and such a
collection frees the mapped object of the state being given its `__dict__`, SQLAlchemy's
weakref callback writes to the half-built state and the interpreter frees its attribute
array twice: SIGSEGV (docs/DEVELOPING.md, "Pages cost what they show"). `consult.db`
pauses the collector while a session closes, commits, rolls back or expires on 3.11.

The child process renders the busiest paragraph of 2,000 submissions with every
conversation on one page and no kept pages, twelve times in a fresh interpreter, as a
gunicorn worker would. Without the pause it died with SIGSEGV in about one run of three
at six requests on 3.11.7 (and every time at the issue's 5,000-submission pages); with it,
never. A segfault there fails this test instead of killing pytest.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import sys
from consult import create_app

app = create_app({"SEARCH_UPDATES": "request", "THREADS_PER_PAGE": 100000,
                  "PAGE_CACHE_BYTES": 0}, instance=sys.argv[2])
if sys.argv[1] == "setup":
    runner = app.test_cli_runner()
    for args in (["init"], ["demo", "--comments", "2000", "--seed", "7", "--no-reindex"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
else:
    client = app.test_client()
    for _ in range(12):
        page = client.get("/consultations/gpa-trafficking/versions/2/paragraphs/PP2")
        assert page.status_code == 200, page.status_code
"""


def _child(step: str, instance: Path):
    env = dict(os.environ, PYTHONFAULTHANDLER="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT),
                                                        os.environ.get("PYTHONPATH")])))
    env.pop("CONSULT_DATABASE_URL", None)  # the child's own SQLite file in `instance`
    return subprocess.run([sys.executable, "-c", CHILD, step, str(instance)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)


def test_busy_paragraph_pages_survive_collections_while_the_session_closes(tmp_path):
    setup = _child("setup", tmp_path)
    assert setup.returncode == 0, setup.stderr[-3000:]
    pages = _child("pages", tmp_path)
    assert pages.returncode == 0, \
        f"exit {pages.returncode} (-11 is SIGSEGV)\n{pages.stderr[-3000:]}"


def test_the_collector_is_paused_while_a_session_closes_on_3_11_only(app):
    import gc

    from sqlalchemy import event

    from consult.db import db

    seen = []
    session = db.session()

    @event.listens_for(session, "after_transaction_end")
    def note(session, transaction):
        seen.append(gc.isenabled())

    session.connection()  # a transaction for close() to end
    session.close()
    assert seen and seen[-1] is (sys.version_info >= (3, 12))
    assert gc.isenabled()
