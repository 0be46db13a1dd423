"""Turning the raw bytes of a text file into a ``str``.

News corpora collected over years hold files in many encodings: UTF-8 with and without a byte
order mark, Windows code pages, UTF-16 written by Windows tools, Shift-JIS. :func:`decode_bytes`
tries the cheap, certain answers first (a byte order mark, valid UTF-8) and only then asks
charset-normalizer to guess. :func:`looks_binary` keeps images and archives that happen to sit
in a corpus folder from being read as (garbage) text.

This module is private to :mod:`syndet.io`; :class:`UndecodableError` never leaves it (the readers
turn it into a skipped document).
"""

from __future__ import annotations

import codecs
import re

__all__ = [
    "UndecodableError",
    "bom_encoding",
    "decode_bytes",
    "html_declared_charset",
    "looks_binary",
]

#: How much of a file :func:`looks_binary` inspects; the start of a file is where binary formats
#: put their headers, and 8 KB is what ``git`` and ``grep`` look at for the same decision.
SNIFF_BYTES = 8192

#: Share of control bytes above which a NUL-free sample is called binary. Real text has at most
#: a stray escape or vertical tab; binary data without NULs in the first 8 KB is rare, but short
#: binary files can lack NULs by chance and then show ~12% control bytes.
_CONTROL_SHARE = 0.05

# Order matters: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Bytes below 0x20 that plain text does contain: tab, newline, form feed, carriage return.
_TEXT_CONTROLS = frozenset(b"\t\n\f\r")
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in _TEXT_CONTROLS) + b"\x7f"

# Labels that pages declare but browsers (WHATWG Encoding standard) decode with a superset codec;
# following the label literally would reject pages that use the superset's extra characters.
_LABEL_SUPERSETS = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc-kr": "cp949",
    "tis-620": "cp874",
    "big5": "big5hkscs",
}

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)


class UndecodableError(ValueError):
    """The bytes are in no encoding that can be identified."""


def bom_encoding(data: bytes) -> str | None:
    """The codec named by a byte order mark at the start of ``data``, if there is one."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _bomless_utf16(sample: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when ``sample`` looks like UTF-16 text without a BOM.

    Mostly-Latin UTF-16 text has a NUL in every other byte, always on the same side of each
    code unit; binary formats scatter their NULs. The sample must also decode cleanly.
    """
    n = len(sample) - len(sample) % 2
    if n < 4:
        return None
    even_nuls = sample[0:n:2].count(0)
    odd_nuls = sample[1:n:2].count(0)
    half = n // 2
    if odd_nuls >= 0.4 * half and even_nuls <= 0.02 * half:
        encoding = "utf-16-le"
    elif even_nuls >= 0.4 * half and odd_nuls <= 0.02 * half:
        encoding = "utf-16-be"
    else:
        return None
    # The sample may end inside a surrogate pair, so decode incrementally without finishing.
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(sample[:n], final=False)
    except UnicodeDecodeError:
        return None
    return None if _control_share(text.encode("utf-8", "replace")) > _CONTROL_SHARE else encoding


def _control_share(sample: bytes) -> float:
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    # A single stray control byte (a DOS end-of-file mark, an escape) in a short text file
    # would otherwise be a large share; it takes at least two to make a file binary.
    if controls < 2:
        return 0.0
    return controls / len(sample)


def looks_binary(data: bytes) -> bool:
    """Whether ``data`` (a file's content, or its first bytes) is binary rather than text.

    Binary means a NUL byte in the first 8 KB, or more than 5% control characters other than
    tab, newline, carriage return and form feed. UTF-16/UTF-32 text (which is full of NULs) is
    recognised by its byte order mark, or without one by the regular position of its NULs, and
    is *not* binary: :func:`decode_bytes` decodes it.
    """
    sample = data[:SNIFF_BYTES]
    if bom_encoding(sample) is not None:
        return False
    if b"\x00" in sample:
        return _bomless_utf16(sample) is None
    return _control_share(sample) > _CONTROL_SHARE


def html_declared_charset(data: bytes) -> str | None:
    """The codec a page's ``<meta charset>`` (or ``http-equiv`` content type) declares, if usable.

    Only the first 4 KB are searched: the HTML standard requires the declaration to sit within
    the first 1024 bytes, and pages that break that rule rarely break it by much.
    """
    match = _META_CHARSET.search(data[:4096])
    if match is None:
        return None
    label = match.group(1).decode("ascii", "ignore").lower()
    label = _LABEL_SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, *, hint: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``.

    In order: a byte order mark (UTF-8, UTF-16, UTF-32) decides; valid UTF-8 is UTF-8 (it almost
    never happens by accident in another encoding, so this is both the fast and the safe path);
    then ``hint`` (e.g. an HTML page's declared charset) if the bytes decode under it; then
    BOM-less UTF-16; then charset-normalizer's best guess. Raises :class:`UndecodableError` when
    nothing fits.
    """
    encoding = bom_encoding(data)
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass  # a mark followed by garbage: let the guesser have a go
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if hint is not None:
        try:
            return data.decode(hint), hint
        except (UnicodeDecodeError, LookupError):
            pass
    encoding = _bomless_utf16(data[:SNIFF_BYTES])
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    return _guess(data)


def _guess(data: bytes) -> tuple[str, str]:
    # Imported here: most corpora are UTF-8, and then charset-normalizer is never needed.
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise UndecodableError("no text encoding fits these bytes")
    best = matches[0]
    # On short Western texts charset-normalizer often ranks several single-byte code pages
    # exactly level, and its order among them is arbitrary (it picks cp1250 for French text).
    # cp1252 is by far the most common legacy encoding of web and news text, so it wins ties.
    for match in matches:
        if match.chaos != best.chaos or match.coherence != best.coherence:
            continue
        if "cp1252" in match.could_be_from_charset:
            try:
                return data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                break
    return str(best), str(best.encoding)
