"""Reading an import file as a stream (ijson), so an import's memory does not grow with the file.

One pass over the parser's events checks the top level (an object; its keys; ``version``) and reads
and checks the reference sections (publications, experts, questions, collections, themes) an item
at a time, their records going to temporary files (``spill.SpilledList``) and their slugs to an
on-disk index, so a file of any number of experts fits in memory too. The takes are never all in
memory: a second pass reads and checks them one at a time (every problem is still collected),
keeping only each take's slug and URL for the uniqueness checks; the importer then reads them
again, a chunk at a time, to plan and to write (``Document.take_source``). The file must therefore
be seekable: standard input is first copied to a temporary file.
"""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Iterator
from typing import IO, Any

import ijson

from archive.transfer import FORMAT_VERSION
from archive.transfer.document import Document, ImportFailed, Problems, Record
from archive.transfer.fields import ItemReader
from archive.transfer.reader import SECTION_READERS, SECTIONS, Reading, item_label
from archive.transfer.spill import SpilledIndex, SpilledList

BOM = b"\xef\xbb\xbf"
START_EVENTS = {"start_map", "start_array"}
END_EVENTS = {"end_map", "end_array"}
SMALL_SECTIONS = tuple(section for section in SECTIONS if section != "takes")
TYPES_OF_EVENTS = {"start_map": {}, "start_array": [], "string": "", "boolean": True, "null": None, "number": 0}


def seekable(file: IO[bytes]) -> IO[bytes]:
    """``file`` itself when it can be read again, else a temporary copy (standard input)."""
    if file.seekable():
        return file
    copy = tempfile.TemporaryFile()  # noqa: SIM115 - returned open; closed with the import
    while block := file.read(1 << 20):
        copy.write(block)
    copy.seek(0)
    return copy


def _start(file: IO[bytes]) -> int:
    """The offset the JSON starts at (after a UTF-8 byte-order mark)."""
    file.seek(0)
    offset = len(BOM) if file.read(len(BOM)) == BOM else 0
    file.seek(offset)
    return offset


def _failed(exc: Exception, file: IO[bytes]) -> ImportFailed:
    """The refusal of a file the parser stopped on: not UTF-8 (found by decoding it, a block at a
    time), or not JSON (the parser's own words)."""
    file.seek(0)
    decoder, offset = codecs.getincrementaldecoder("utf-8")(), 0
    try:
        while block := file.read(1 << 20):
            decoder.decode(block)
            offset += len(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as bad:
        return ImportFailed([f"the file is not UTF-8 text (byte {offset + bad.start} cannot be decoded)"])
    message = exc.args[0] if exc.args else exc
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return ImportFailed([f"the file is not valid JSON: {' '.join(str(message).split())}"])


class _Scan:
    """The first pass: top-level keys and shapes, ``version``, and the reference sections' items."""

    def __init__(self, reading: Reading):
        self.reading = reading
        self.keys: list[str] = []
        self.shapes: dict[str, Any] = {}
        self.version: Any = FORMAT_VERSION
        self.counts = dict.fromkeys(SMALL_SECTIONS, 0)
        self.take_count = 0

    def run(self, events) -> None:
        builder, depth, section = None, 0, ""
        first = True
        for prefix, event, value in events:
            if first:
                first = False
                if event != "start_map":
                    raise ImportFailed([f"the file must hold a JSON object with the sections {', '.join(SECTIONS)}"])
            if prefix == "":
                if event == "map_key":
                    self.keys.append(value)
                continue
            if prefix.startswith("takes"):
                if prefix == "takes.item" and event not in END_EVENTS and event != "map_key":
                    self.take_count += 1
                elif prefix == "takes" and "takes" not in self.shapes:
                    self.shapes["takes"] = TYPES_OF_EVENTS.get(event, value)
                continue
            if builder is not None:
                builder.event(event, value)
                depth += 1 if event in START_EVENTS else -1 if event in END_EVENTS else 0
                if depth == 0:
                    self.item(section, builder.value)
                    builder = None
                continue
            head = prefix.split(".", 1)[0]
            if prefix == head:
                if head not in self.shapes:
                    self.shapes[head] = TYPES_OF_EVENTS.get(event, value)
                if head == "version" and event not in START_EVENTS | END_EVENTS:
                    self.version = value
                elif head == "version" and event in START_EVENTS:
                    self.version = TYPES_OF_EVENTS[event]
                continue
            if head in SMALL_SECTIONS and prefix == f"{head}.item" and isinstance(self.shapes.get(head), list):
                if event in START_EVENTS:
                    builder, depth, section = ijson.ObjectBuilder(), 1, head
                    builder.event(event, value)
                else:
                    self.item(head, value)

    def item(self, section: str, item: Any) -> None:
        index = self.counts[section]
        self.counts[section] += 1
        record = self.reading.item(section, index, item)
        if record is not None:
            getattr(self.reading.document, section).append(record)


def _takes(file: IO[bytes], start: int) -> Iterator[Any]:
    file.seek(start)
    return ijson.items(file, "takes.item", use_float=True)


def read_file(file: IO[bytes], progress=None) -> Document:
    """Check a JSON import file read as a stream; ImportFailed listing every problem found.

    The document's takes are read from ``file`` again whenever the importer walks them."""
    start = _start(file)
    reading = Reading(progress)
    for section in SMALL_SECTIONS:  # on disk, whatever their size: records, and slugs (and names)
        setattr(reading.document, section, SpilledList())
        reading.seen[section] = reading.document.slugs_of[section] = SpilledIndex()
    scan = _Scan(reading)
    try:
        scan.run(ijson.parse(file, use_float=True))
    except ijson.JSONError as exc:
        raise _failed(exc, file) from None
    reading.top_level(scan.keys, scan.version)
    for section, shape in scan.shapes.items():
        if section in SECTIONS and shape is not None and not isinstance(shape, list):
            reading.not_a_list(section, shape)
    document = reading.document
    if isinstance(scan.shapes.get("takes"), list):
        document.take_count = scan.take_count
        _check_takes(file, start, reading, scan.take_count)
        document.take_source = lambda: _reread_takes(file, start)
    # slugs, and URLs as "url:…" (a slug holds no colon): ``slug in`` it asks about slugs alone
    document.slugs_of_takes = reading.seen["takes"]
    try:
        return reading.finish()
    except ImportFailed:
        reading.seen["takes"].close()
        document.close()
        raise


def _check_takes(file: IO[bytes], start: int, reading: Reading, total: int) -> None:
    """The second pass: every take read and checked, none kept."""
    progress, count = reading.progress, 0
    try:
        for index, item in enumerate(_takes(file, start)):
            reading.item("takes", index, item)
            count = index + 1
            if progress and count % progress.every == 0:
                progress(f"checked {count:,} of {total:,} takes")
    except ijson.JSONError as exc:
        raise _failed(exc, file) from None


def _reread_takes(file: IO[bytes], start: int) -> Iterator[Record]:
    """The takes again, read as the check read them (their problems were reported then)."""
    reader = ItemReader(Problems(), checked=True)
    for index, item in enumerate(_takes(file, start)):
        record = SECTION_READERS["takes"](reader, item, item_label("takes", index, item))
        if record is not None:
            record.index = index
            yield record
