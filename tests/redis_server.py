"""A throwaway redis-server on 127.0.0.1 for the tests that need a real one.

Outside CI a missing ``redis-server`` binary (or redis package) skips those tests with the
reason; in CI (``CI`` set, where ``.ci/run`` installs redis-server from Debian's packages) it
fails them, so a broken install step can never pass as green.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: .ci/run should have installed it)")
    pytest.skip(f"{reason}: these tests need a real Redis server on 127.0.0.1")


@contextmanager
def redis_server() -> Iterator[str]:
    """Start redis-server on a free port (no persistence); yield its URL; stop it."""
    binary = shutil.which("redis-server")
    if binary is None:
        _unavailable("redis-server is not installed (apt-get install redis-server)")
    try:
        import redis
    except ImportError:
        _unavailable("the redis package is not installed (pip install 'syndet[test]')")
    port = _free_port()
    proc = subprocess.Popen(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None:
                    _unavailable(f"redis-server exited at once with status {proc.returncode}")
                time.sleep(0.05)
        else:
            _unavailable("redis-server did not answer within 5 s")
        client.close()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
