"""The load mix of `bench/load_mix.py`, for locust: readers and writers on two nodes.

Not run on its own: load_mix.py starts the nodes, writes the set-up (version, paragraphs,
writers' tokens) to the file named by CONSULT_LOAD_SETUP and runs

    locust -f bench/locustfile.py --headless -u 110 -r 10 -t 5m

Readers (100, anonymous, as the public and most delegates read): the open version's page,
paragraph pages, the compilation, searches, the API's paragraph threads and the exports
(Akoma Ntoso XML, the compilation as .docx), with a few seconds' reading between pages.
Writers (10 delegates, one delegation each, with API tokens): comments, amendments,
supports of another delegation's amendment and replies, with the paragraph's thread read
first, as a delegate does. Each request goes to one of the two nodes, chosen per user.
Every submission answered 201 is written to CONSULT_LOAD_POSTED at the end.
"""

from __future__ import annotations

import json
import os
import random
import threading

from locust import HttpUser, between, events, task

SETUP = json.loads(open(os.environ["CONSULT_LOAD_SETUP"], encoding="utf-8").read())
NODES = SETUP["nodes"]
SLUG = SETUP["slug"]
VERSION = SETUP["version_id"]
PARAGRAPHS = SETUP["paragraphs"]  # [{"id", "label", "text"}]
QUERIES = ["victims", "forced labour", "trafficking", "traite des êtres humains", "жертв*",
           "trust fund", '"protection of victims"', "UNODC", "强迫劳动", "Palermo",
           "víctimas", "الضحايا"]
_tokens = list(SETUP["tokens"])
_lock = threading.Lock()
POSTED: list[dict] = []
# Amendments open to support: [(id, paragraph id, delegation)]
AMENDMENTS: list[tuple[int, int, str]] = [tuple(a) for a in SETUP["amendments"]]


class Reader(HttpUser):
    """A member of the public or a delegate reading, without logging in."""

    fixed_count = 100
    wait_time = between(2, 8)  # reading a page before opening the next
    host = NODES[0]

    def on_start(self):
        self.node = random.choice(NODES)

    def _get(self, path: str, name: str):
        self.client.get(self.node + path, name=name)

    @task(3)
    def version_page(self):
        self._get(f"/consultations/{SLUG}/versions/{VERSION}", "version page")

    @task(6)
    def paragraph_page(self):
        label = random.choice(PARAGRAPHS)["label"]
        self._get(f"/consultations/{SLUG}/versions/{VERSION}/paragraphs/{label}",
                  "paragraph page")

    @task(1)
    def compilation(self):
        self._get(f"/consultations/{SLUG}/versions/{VERSION}/compilation", "compilation")

    @task(3)
    def search(self):
        self.client.get(self.node + "/search", params={"q": random.choice(QUERIES)},
                        name="search")

    @task(2)
    def api_thread(self):
        paragraph = random.choice(PARAGRAPHS)["id"]
        self._get(f"/api/v1/paragraphs/{paragraph}/comments", "API paragraph thread")

    @task(1)
    def export_akn(self):
        self._get(f"/api/v1/versions/{VERSION}/akn.xml", "export AKN")

    @task(1)
    def export_docx(self):
        self._get(f"/consultations/{SLUG}/versions/{VERSION}/compilation.docx",
                  "export compilation .docx")


class Writer(HttpUser):
    """A delegate who reads a paragraph's thread and then writes on it."""

    fixed_count = int(os.environ.get("CONSULT_LOAD_WRITERS", "10"))
    wait_time = between(5, 15)  # composing a contribution takes a while
    host = NODES[0]

    def on_start(self):
        with _lock:
            self.delegation, token = _tokens.pop()
            number = len(_tokens)
        self.node = NODES[number % len(NODES)]
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.supported: set[int] = set()

    def _read_then_post(self, paragraph_id: int, body: dict, name: str):
        self.client.get(f"{self.node}/api/v1/paragraphs/{paragraph_id}/comments",
                        headers=self.headers, name="API paragraph thread (writer)")
        with self.client.post(f"{self.node}/api/v1/paragraphs/{paragraph_id}/comments",
                              json=body, headers=self.headers, name=name,
                              catch_response=True) as answer:
            if answer.status_code != 201:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
                return None
            made = answer.json()
        with _lock:
            POSTED.append({"id": made["id"], "kind": made["kind"], "node": self.node,
                           "paragraph_id": made["paragraph_id"],
                           "parent_id": made.get("parent_id")})
        return made

    @task(5)
    def comment(self):
        paragraph = random.choice(PARAGRAPHS)
        self._read_then_post(paragraph["id"], {
            "kind": "comment",
            "body": f"The delegation of {self.delegation} requests clarification on the "
                    f"protection of victims in {paragraph['label']}."}, "post comment")

    @task(2)
    def amendment(self):
        paragraph = random.choice(PARAGRAPHS)
        made = self._read_then_post(paragraph["id"], {
            "kind": "amendment", "body": "We propose the following wording.",
            "proposed_text": paragraph["text"].rstrip(";,.") + ", with full respect for "
                             "human rights;"}, "post amendment")
        if made:
            with _lock:
                AMENDMENTS.append((made["id"], paragraph["id"], self.delegation))

    @task(2)
    def support(self):
        with _lock:
            choices = [a for a in AMENDMENTS
                       if a[2] != self.delegation and a[0] not in self.supported]
        if not choices:
            return
        amendment, paragraph, _ = random.choice(choices)
        self.supported.add(amendment)
        self._read_then_post(paragraph, {"kind": "support", "parent_id": amendment},
                             "post support")

    @task(1)
    def reply(self):
        with _lock:
            parents = [p for p in POSTED if p["kind"] == "comment" and not p["parent_id"]]
        if not parents:
            return
        parent = random.choice(parents)
        self._read_then_post(parent["paragraph_id"], {
            "kind": "comment", "parent_id": parent["id"],
            "body": f"{self.delegation} shares the concern just expressed."}, "post reply")


@events.quitting.add_listener
def _write_posted(environment, **kwargs):
    with open(os.environ["CONSULT_LOAD_POSTED"], "w", encoding="utf-8") as out:
        json.dump(POSTED, out)
