"""Reading corpora and writing reports.

``syndet.io.readers`` turns folders, JSONL/Parquet/CSV files and stdin into Arrow batches of
documents (``DOC_SCHEMA``), reporting every skipped document as a :class:`~syndet.io.readers.Skip`.
``syndet.io.html`` extracts article text from HTML. ``syndet.io.writers`` writes reports.
"""
