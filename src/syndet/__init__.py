"""syndet: find near-duplicate, syndicated, partial and rewritten news articles.

>>> import syndet
>>> result = syndet.Scanner().scan(["corpus/"])      # doctest: +SKIP
>>> result.pairs.head()                              # doctest: +SKIP

Importing ``syndet`` is cheap: names below are loaded on first use, so a crawler process that
only needs the index does not pay for polars, click or the numba kernels up front.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it; loaded lazily by __getattr__.
_EXPORTS = {
    "BadDocumentError": "syndet.errors",
    "BoilerplateConfig": "syndet.config",
    "ClusterConfig": "syndet.config",
    "Config": "syndet.config",
    "ConfigError": "syndet.errors",
    "CorpusError": "syndet.errors",
    "DEFAULT_CONFIG": "syndet.config",
    "Index": "syndet.index",
    "IndexStoreError": "syndet.errors",
    "LSHConfig": "syndet.config",
    "Match": "syndet.index",
    "MinHashConfig": "syndet.config",
    "NormalizeConfig": "syndet.config",
    "ScanResult": "syndet.pipeline",
    "Scanner": "syndet.pipeline",
    "SettingsMismatchError": "syndet.errors",
    "ShingleConfig": "syndet.config",
    "SyndetError": "syndet.errors",
    "VerifyConfig": "syndet.config",
    "explain": "syndet.evidence",
    "normalize_text": "syndet.normalize",
    "scan": "syndet.pipeline",
}

__all__ = [
    "DEFAULT_CONFIG",
    "BadDocumentError",
    "BoilerplateConfig",
    "ClusterConfig",
    "Config",
    "ConfigError",
    "CorpusError",
    "Index",
    "IndexStoreError",
    "LSHConfig",
    "Match",
    "MinHashConfig",
    "NormalizeConfig",
    "ScanResult",
    "Scanner",
    "SettingsMismatchError",
    "ShingleConfig",
    "SyndetError",
    "VerifyConfig",
    "__version__",
    "explain",
    "normalize_text",
    "scan",
]

if TYPE_CHECKING:
    from syndet.config import (
        DEFAULT_CONFIG,
        BoilerplateConfig,
        ClusterConfig,
        Config,
        LSHConfig,
        MinHashConfig,
        NormalizeConfig,
        ShingleConfig,
        VerifyConfig,
    )
    from syndet.errors import (
        BadDocumentError,
        ConfigError,
        CorpusError,
        IndexStoreError,
        SettingsMismatchError,
        SyndetError,
    )
    from syndet.evidence import explain
    from syndet.index import Index, Match
    from syndet.normalize import normalize_text
    from syndet.pipeline import Scanner, ScanResult, scan


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'syndet' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
