"""Every error syndet raises on purpose.

All of them derive from :class:`SyndetError`, so ``except syndet.SyndetError`` catches anything
syndet raises deliberately, while programming errors (``TypeError`` and friends) still surface.
Errors from third-party libraries are caught where that library is imported and re-raised as one
of these, with the original attached as ``__cause__``.

::

    SyndetError
    ├── ConfigError            an option or setting is invalid (bad threshold, unknown format, ...)
    ├── CorpusError            input could not be read at all (missing path, nothing readable)
    │   └── BadDocumentError   one document was skipped (raised only in strict mode)
    └── IndexStoreError        a persistent index cannot be opened or used
        └── SettingsMismatchError  the index was built with other settings than requested

The CLI turns each of these into a one-line message and exit status 1, in one place
(``syndet.cli``).
"""

from __future__ import annotations

__all__ = [
    "BadDocumentError",
    "ConfigError",
    "CorpusError",
    "IndexStoreError",
    "SettingsMismatchError",
    "SyndetError",
]


class SyndetError(Exception):
    """Base class of every error syndet raises on purpose."""


class ConfigError(SyndetError, ValueError):
    """An option or setting has a value syndet cannot work with."""


class CorpusError(SyndetError):
    """The input corpus, or a whole input, could not be read."""


class BadDocumentError(CorpusError):
    """A single document was unusable; raised instead of skipping it when ``strict`` is on."""


class IndexStoreError(SyndetError):
    """A persistent index could not be opened, read or written."""


class SettingsMismatchError(IndexStoreError):
    """An index on disk was built with settings that differ from the ones requested."""
