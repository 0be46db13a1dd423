"""A writer killed with SIGKILL at any moment leaves an index that opens, answers and holds
every add that returned.

One helper process imports syndet and loads the kernels once, then forks a writer per round
(starting 100+ interpreters would take minutes). Each writer opens the index and adds articles
through the real ``Index.add``, writing each id to a pipe once ``add`` has returned; the helper
kills it with SIGKILL after a random delay (while opening, verifying, inserting, committing or
checkpointing) and keeps the ids that came through. The test then checks the file and that
every acknowledged article is stored and found.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import syndet

KILLS = 120

WRITER = r"""
import json, os, random, select, signal, sys, time
from syndet.index import Index

path, kills, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sys.path.insert(0, sys.argv[4])
from test_index_crash import text_for

# Load the kernels here, once: every forked writer inherits them.
with Index() as warm:
    warm.add("a", text_for(1))
    warm.add("b", text_for(1))
    warm.remove("a")

rng = random.Random(seed)
acked = []
for k in range(kills):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        index = Index(path)
        i = 0
        while True:
            doc = k * 100_000 + i
            index.add(f"doc{doc}", text_for(doc))
            os.write(w, b"%d\n" % doc)
            i += 1
    os.close(w)
    if k % 2:
        # Odd rounds wait for the writer's first acknowledged add (up to 20 s on a loaded
        # machine), then kill it mid-stream, so every odd round acknowledges something.
        select.select([r], [], [], 20.0)
        delay = rng.uniform(0.0, 0.05)
    else:
        # Even rounds kill at any moment from the fork on, opening the index included.
        delay = rng.uniform(0.0, 0.12)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    # A line without its newline was cut by the kill mid-write: that add returned too, but a
    # partial number cannot be trusted, so only whole lines count.
    acked += [int(x) for x in data.split(b"\n")[:-1]]
print(json.dumps(acked))
"""


def text_for(doc: int) -> str:
    """A deterministic article for an id; every third one copies the one before it."""
    base = doc - 1 if doc % 3 == 0 and doc % 100_000 else doc
    rnd = random.Random(base)
    vocab = [f"w{n}" for n in range(5000)]
    words = " ".join(rnd.choice(vocab) for _ in range(rnd.randint(120, 200)))
    return ("Breaking\n" if base != doc else "") + words


@pytest.mark.slow
def test_sigkilled_writers_lose_nothing_that_returned(tmp_path: Path) -> None:
    path = tmp_path / "crash.syndet"
    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}  # GNU OpenMP refuses fork()
    out = subprocess.run(
        [sys.executable, "-c", WRITER, str(path), str(KILLS), "7", str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    acked: list[int] = json.loads(out.stdout)
    # Every odd round waited for an acknowledged add before killing its writer.
    assert len(acked) >= KILLS // 2

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = conn.execute("SELECT count(*) FROM docs").fetchone()[0]
    with syndet.Index(path) as index:
        # every add that returned is there; at most one unacknowledged add per kill
        assert all(f"doc{d}" in index for d in acked)
        assert len(acked) <= len(index) == stored <= len(acked) + KILLS
        for d in random.Random(1).sample(acked, min(60, len(acked))):
            best = index.query(text_for(d))
            assert any(m.doc_id == f"doc{d}" and m.relation == "duplicate" for m in best)
        # and the index still takes new articles after all this
        index.add("after", text_for(999_999_999))
        assert "after" in index


READER_WRITER = r"""
import sys
sys.path.insert(0, sys.argv[2])
from syndet.index import Index
from test_index_crash import text_for

with Index(sys.argv[1]) as index:
    for doc in range(1, 41):
        index.add(f"doc{doc}", text_for(doc))
        print(doc, flush=True)
"""


@pytest.mark.slow
def test_processes_query_while_one_writes(tmp_path: Path) -> None:
    path = tmp_path / "shared.syndet"
    syndet.Index(path).close()
    writer = subprocess.Popen(
        [sys.executable, "-c", READER_WRITER, str(path), str(Path(__file__).parent)],
        stdout=subprocess.PIPE,
        text=True,
    )
    seen: list[int] = []
    with syndet.Index(path) as reader:
        assert writer.stdout is not None
        for line in writer.stdout:  # each id once its add has returned in the writer
            doc = int(line)
            seen.append(doc)
            found = reader.query(text_for(doc))
            assert any(m.doc_id == f"doc{doc}" for m in found), doc
    assert writer.wait(timeout=120) == 0
    assert seen == list(range(1, 41))
