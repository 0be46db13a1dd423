"""The public surface: a curated, sorted, complete __all__, and a light import."""

from __future__ import annotations

import subprocess
import sys

import syndet


def test_all_is_sorted_and_complete() -> None:
    assert list(syndet.__all__) == sorted(syndet.__all__, key=lambda s: (not s.isupper(), s))
    for name in syndet.__all__:
        assert getattr(syndet, name) is not None, name
    # every lazily exported name is listed, and nothing else is
    assert set(syndet.__all__) == set(syndet._EXPORTS) | {"__version__"}
    assert set(syndet.__all__) <= set(dir(syndet))


def test_import_is_light() -> None:
    code = (
        "import sys, syndet; "
        "heavy = [m for m in ('click', 'polars', 'numba', 'pyarrow', 'trafilatura') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_errors_form_one_tree() -> None:
    for name in (
        "ConfigError",
        "CorpusError",
        "BadDocumentError",
        "IndexStoreError",
        "SettingsMismatchError",
    ):
        assert issubclass(getattr(syndet, name), syndet.SyndetError)
    assert syndet.DEFAULT_CONFIG.signature_key == syndet.Config().signature_key


def test_explain_stays_the_function_when_its_module_is_imported_first() -> None:
    # A submodule named like a function it defines would replace that function on the package
    # once imported (`import syndet.explain` made `syndet.explain(a, b)` a module call): the
    # module is `syndet.evidence`.
    code = "import syndet.evidence, syndet; f = syndet.explain; print(callable(f), f.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "explain"]
