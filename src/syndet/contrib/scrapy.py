"""A Scrapy item pipeline that checks every scraped article against a :class:`syndet.Index`.

Enable it in the project's ``settings.py``::

    ITEM_PIPELINES = {"syndet.contrib.scrapy.SyndetPipeline": 300}
    SYNDET_INDEX = "seen.syndet"            # a file, or redis://host/0 for a fleet
    SYNDET_DROP = ["duplicate", "syndicated"]

Every item with a text is added to the index (the same id again replaces its old version: a
re-crawled page). Its matches go into the item's ``syndet_matches`` field, best first, as
dicts with the :class:`syndet.Match` fields. An item whose best match has a relation listed in
``SYNDET_DROP`` is dropped instead (it is still stored, so later copies of it are recognised).

Settings:

- ``SYNDET_INDEX``: index file path or ``redis://`` URL (required).
- ``SYNDET_TEXT_FIELD``: item field holding the article text (``text``).
- ``SYNDET_ID_FIELD``: item field holding the article's id (``url``).
- ``SYNDET_MATCHES_FIELD``: item field that receives the matches (``syndet_matches``).
- ``SYNDET_DROP``: relations that drop an item, a list or comma-separated (none).
- ``SYNDET_PUBLISHED_FIELD``, ``SYNDET_SOURCE_FIELD``: optional metadata fields
  (``published``, ``source``).

Items without a text, or with too few words to compare, pass through untouched (logged).
Items must accept the matches field: plain dicts do; a ``scrapy.Item`` must declare it.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from syndet.errors import BadDocumentError, ConfigError
from syndet.index import Index

__all__ = ["SyndetPipeline"]

log = logging.getLogger(__name__)

_RELATIONS = ("duplicate", "syndicated", "partial", "rewritten")


class SyndetPipeline:
    """Tag scraped articles with the stored articles they copy, or drop the copies."""

    def __init__(
        self,
        location: str,
        *,
        text_field: str = "text",
        id_field: str = "url",
        matches_field: str = "syndet_matches",
        drop: tuple[str, ...] = (),
        published_field: str = "published",
        source_field: str = "source",
    ) -> None:
        unknown = [r for r in drop if r not in _RELATIONS]
        if unknown:
            raise ConfigError(
                f"SYNDET_DROP: unknown relation(s) {', '.join(unknown)}; "
                f"choose from {', '.join(_RELATIONS)}"
            )
        self.location = location
        self.text_field = text_field
        self.id_field = id_field
        self.matches_field = matches_field
        self.drop = frozenset(drop)
        self.published_field = published_field
        self.source_field = source_field
        self.index: Index | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SyndetPipeline:
        settings = crawler.settings
        location = settings.get("SYNDET_INDEX")
        if not location:
            from scrapy.exceptions import NotConfigured

            raise NotConfigured("set SYNDET_INDEX to an index file or a redis:// URL")
        return cls(
            str(location),
            text_field=settings.get("SYNDET_TEXT_FIELD", "text"),
            id_field=settings.get("SYNDET_ID_FIELD", "url"),
            matches_field=settings.get("SYNDET_MATCHES_FIELD", "syndet_matches"),
            drop=tuple(r.strip() for r in settings.getlist("SYNDET_DROP") if r.strip()),
            published_field=settings.get("SYNDET_PUBLISHED_FIELD", "published"),
            source_field=settings.get("SYNDET_SOURCE_FIELD", "source"),
        )

    def open_spider(self, spider: Any = None) -> None:
        self.index = Index(self.location)

    def close_spider(self, spider: Any = None) -> None:
        if self.index is not None:
            self.index.close()
            self.index = None

    def process_item(self, item: Any, spider: Any = None) -> Any:
        from itemadapter import ItemAdapter

        if self.index is None:
            self.open_spider(spider)
        assert self.index is not None
        adapter = ItemAdapter(item)
        text = adapter.get(self.text_field)
        doc_id = adapter.get(self.id_field)
        if not isinstance(text, str) or doc_id is None:
            log.debug("syndet: no %s or %s, passed through", self.text_field, self.id_field)
            return item
        published = adapter.get(self.published_field) or None
        source = adapter.get(self.source_field) or None
        try:
            try:
                matches = self.index.add(
                    str(doc_id), text, published=published, source=source, replace=True
                )
            except ConfigError as exc:  # an unreadable date must not lose the article
                log.info("syndet: %s: %s; stored without it", doc_id, exc)
                matches = self.index.add(str(doc_id), text, source=source, replace=True)
        except BadDocumentError as exc:
            log.info("syndet: %s not checked: %s", doc_id, exc)
            return item
        if matches and matches[0].relation in self.drop:
            from scrapy.exceptions import DropItem

            best = matches[0]
            raise DropItem(f"{doc_id} is {best.relation} of {best.doc_id} (syndet)")
        adapter[self.matches_field] = [dataclasses.asdict(m) for m in matches]
        return item
