"""ruff and mypy stay clean (both come with the test extra)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_clean() -> None:
    out = run("ruff", "check", "src", "tests", "benchmarks", "corpus")
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_mypy_clean() -> None:
    out = run("mypy")
    assert out.returncode == 0, out.stdout + out.stderr
