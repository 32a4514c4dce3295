"""What reading in another language costs: the same pages in the original, in a translation,
side by side and under another interface language, warm, through the Flask test client.

    CONSULT_INSTANCE_PATH=/tmp/inst-scale .venv/bin/flask --app app init
    CONSULT_INSTANCE_PATH=/tmp/inst-scale .venv/bin/flask --app app demo --comments 100000 --seed 7
    CONSULT_INSTANCE_PATH=/tmp/inst-scale .venv/bin/python bench/languages_bench.py [--repeat 5]

Run by hand on an otherwise idle machine; figures go into bench/README.md. Each address is
requested once to warm up, then `--repeat` times; the median and the slowest are printed
with the response size. The demo's zero draft carries its text in all six languages.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from app import app  # noqa: E402

ZERO = "/consultations/gpa-trafficking/versions/1"
ADDRESSES = [
    ("version, original", ZERO + "?text=en"),
    ("version, French text", ZERO + "?text=fr"),
    ("version, Arabic beside English", ZERO + "?text=ar&beside=en"),
    ("version, Arabic interface", ZERO + "?lang=ar"),
    ("compilation, Russian text", ZERO + "/compilation?text=ru"),
    ("comparison, French (Rev.1: English only)", "/consultations/gpa-trafficking/compare/1/2?text=fr"),
    ("log, French interface", "/consultations/gpa-trafficking/log?lang=fr"),
    ("API version, ?lang=es", "/api/v1/versions/1?lang=es"),
    ("API Akoma Ntoso, ?lang=ar", "/api/v1/versions/1/akn.xml?lang=ar"),
    # Last: at 100,000 submissions a paragraph page can still crash the process inside
    # sqlite3 (issue 14, whatever the language), which would end the run.
    ("paragraph OP1, Chinese text", ZERO + "/paragraphs/OP1?text=zh"),
]


def main() -> None:
    """Time each address and print one line per address."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    client = app.test_client()
    print(f"{'page':34} {'status':>6} {'bytes':>9} {'median ms':>10} {'max ms':>8}")
    for name, address in ADDRESSES:
        response = client.get(address)
        timings = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.get(address)
            timings.append((time.perf_counter() - start) * 1000)
        print(f"{name:34} {response.status_code:>6} {len(response.get_data()):>9,} "
              f"{statistics.median(timings):>10.1f} {max(timings):>8.1f}")


if __name__ == "__main__":
    main()
