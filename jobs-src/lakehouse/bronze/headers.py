"""The header line of a local CSV landing file: read, normalised, and judged readable.

Exports re-saved by other tools differ in ways that say nothing about their columns: a UTF-8
byte-order mark, CRLF line endings, quoted names, spaces around names. Those are normalised away
before the header is compared with the declaration, so only a real change of columns counts as
schema drift. A file that is still not a readable CSV of this source (binary content, text that
is not in the declared encoding, a first line sharing no name with the declaration) is unreadable:
the caller moves it aside instead of ingesting garbage or failing the stream on it.

On Databricks, Auto Loader reads the header itself (and handles the byte-order mark and CRLF).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BYTE_ORDER_MARK = "\ufeff"
SNIFF_BYTES = 64 * 1024
"""How much of a file is read to judge it: its header line and the start of its rows."""


@dataclass(frozen=True)
class HeaderCheck:
    """What reading a file's first line found: its normalised names, or why it is unreadable.

    `names` is empty for a file with no bytes at all (it holds no rows, so it is harmless).
    """

    names: tuple[str, ...] = ()
    unreadable: str | None = None


def clean_name(value: str) -> str:
    """One header name without byte-order mark, surrounding whitespace, carriage returns or quotes."""
    return value.replace(BYTE_ORDER_MARK, "").replace("\r", "").strip().strip("\"'").strip()


def normalise_names(raw: Sequence[str]) -> tuple[str, ...]:
    """Cleaned header names (see `clean_name`), unique.

    A name left empty, or repeating an earlier one, becomes `_c<position>` (Spark's name for an
    unnamed CSV column), so every name is unique and none collides with a declared column.
    """
    names: list[str] = []
    for position, value in enumerate(raw):
        name = clean_name(value)
        names.append(name if name and name not in names else f"_c{position}")
    return tuple(names)


def split_header_line(line: str, *, delimiter: str = ",", quote: str = '"') -> list[str]:
    """The raw fields of one header line, split as CSV (a quoted name may hold the delimiter)."""
    cleaned = line.replace(BYTE_ORDER_MARK, "").rstrip("\r\n")
    return next(csv.reader([cleaned], delimiter=delimiter, quotechar=quote), [])


def check_header(
    path: Path, declared: Sequence[str], *, encoding: str = "UTF-8", delimiter: str = ",", quote: str = '"'
) -> HeaderCheck:
    """Read the start of `path` and judge it as a CSV file of a source declaring `declared` columns."""
    with path.open("rb") as file:
        head = file.read(SNIFF_BYTES)
    if not head:
        return HeaderCheck()
    if b"\x00" in head:
        return HeaderCheck(unreadable=f"binary content: a NUL byte in the first {len(head)} bytes")
    try:
        # Incremental so a multi-byte character cut by the sniff limit is not counted as an error.
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError as error:
        return HeaderCheck(unreadable=f"not {encoding} text: byte {error.start} ({error.reason})")
    fields = split_header_line(text.split("\n", 1)[0], delimiter=delimiter, quote=quote)
    if not any(clean_name(field) for field in fields):
        return HeaderCheck(unreadable="no header line: the first line names no column")
    names = normalise_names(fields)
    if not set(names) & set(declared):
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        why = "header shares no column with the declaration (a headerless file or another source's)"
        return HeaderCheck(unreadable=f"{why}: {shown}")
    return HeaderCheck(names=names)


def ddl(names: Sequence[str]) -> str:
    """A DDL schema of STRING columns with every name back-quoted, so any character is allowed."""
    return ", ".join(f"`{name.replace('`', '``')}` STRING" for name in names)
