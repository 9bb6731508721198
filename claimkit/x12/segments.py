"""X12 tokenizer: finds the separators and streams segments, fast and without surprises.

Separators come from the ISA header: the element separator is the character right after
"ISA", the component separator is ISA16, the repetition separator is ISA11 (5010 and
later, when it is not a letter or digit) and the segment terminator is the character
right after ISA16. The ISA is found by counting its 16 element separators, so an ISA with
its fixed-width padding squeezed out is read too (with a warning).

Tolerated: a UTF-8 (or UTF-16) byte order mark, UTF-16 text without one (recognised by the
NUL byte beside each of "ISA"), newlines/CRLF and indentation after each terminator, NUL
bytes padding the end of the file, blank lines, one segment per line with the newline as terminator, a file with
no ISA at all (it starts at GS or ST: the default separators ``*`` ``:`` ``~`` are used,
with a warning), later interchanges in the same file that use other separators, and
segments that lost their terminator but sit on their own line.

Refused (an error notice): segments whose elements are split by another character than the
one the ISA declares (``GS|HP|...`` under ``ISA*...``), at the first segment after the ISA
(nothing is read) or later in the file (named once, as a problem of the whole file).

Segments are yielded as ``(number, segment_id, elements)``: ``number`` is the 1-based
position of the segment in the file (blank lines are not segments) and ``elements`` is
the list from splitting on the element separator, *including the segment id at index 0*,
so ``elements[4]`` is element 04 (CLP04). Splitting uses ``str.split``; nothing loops
over characters, so a 10 MB file tokenizes in about a tenth of a second.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Iterator
from itertools import compress, islice, repeat
from operator import itemgetter, not_
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["DEFAULT_SEPARATORS", "Finding", "FindingLog", "Notice", "SegmentReader", "Separators", "decode"]

ISA_FIXED_WIDTH_SEP16 = 103  # offset of the 16th element separator in a 106-character ISA
_ISA_SEARCH_LIMIT = 1000  # an ISA with more than this many characters is not an ISA
_MAX_RESPLITS = 20  # later interchanges that change separators (guards against quadratic work)
_CUT_AFTER_ISA = "the file ends right after the ISA header: it was cut off; download it again"
_LEADING_SPACE = re.compile(r"[\s\x00]*")
_CHUNK = 1 << 20  # characters split at a time
_TRAILING_PAD = " \t\r\n\x00"
_strip = str.strip
_first = itemgetter(0)
# a segment id followed by a separator that is not the declared one: "CLP|CK00001|1|..."
_FOREIGN_SEPARATOR = re.compile(r"([A-Z][A-Z0-9]{1,2})([^A-Za-z0-9\s])")
# ids that need no second look in the tokenizer (anything else goes through the slow path,
# which handles a later ISA and a byte order mark left in the middle of the file)
_PLAIN_IDS = frozenset({
    "GS", "ST", "SE", "GE", "IEA", "BPR", "TRN", "CUR", "REF", "DTM", "N1", "N2", "N3", "N4", "PER", "RDM", "LX",
    "TS3", "TS2", "CLP", "CAS", "NM1", "MIA", "MOA", "AMT", "QTY", "SVC", "LQ", "PLB", "TA1",
    # 837 / 999 ids, so that a file of the wrong kind is read as fast
    "BHT", "HL", "SBR", "CLM", "HI", "LIN", "SV1", "SV2", "PRV", "PAT", "NTE", "AK1", "AK2", "AK9", "IK3", "IK4", "IK5",
})


@dataclass(frozen=True, slots=True)
class Separators:
    element: str
    component: str
    repetition: str | None
    segment: str

    def describe(self) -> str:
        term = {"\n": "newline", "\r": "carriage return"}.get(self.segment, repr(self.segment))
        return f"element {self.element!r}, component {self.component!r}, segment terminator {term}"


DEFAULT_SEPARATORS = Separators("*", ":", None, "~")


class Notice(NamedTuple):
    """A problem the tokenizer saw; the readers turn these into Findings (same fields)."""

    severity: str  # "error" | "warning"
    code: str
    message: str
    segment: int | None


def decode(data: bytes | bytearray | memoryview | str) -> tuple[str, bool]:
    """Bytes to text. Returns (text, fell_back_to_latin1). Strips a byte order mark."""
    if isinstance(data, str):
        text = data
        fallback = False
    else:
        raw = bytes(data)
        fallback = False
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        utf16 = ("utf-16" if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
                 else "utf-16-le" if raw[:6] == b"I\x00S\x00A\x00"
                 else "utf-16-be" if raw[:6] == b"\x00I\x00S\x00A" else "")
        if utf16:
            try:
                text = raw.decode(utf16)
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
                fallback = True
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")  # never fails: every byte is a character
                fallback = True
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, fallback


_HEAD_BYTES = 1 << 16  # what the ISA checks read of a file held as bytes (its first segments: 2 x _ISA_SEARCH_LIMIT at most)
_PAD_BYTES = frozenset(b" \t\r\n\x00")


def _byte_codec(raw: bytes | bytearray | memoryview) -> tuple[str, bool] | None:
    """(codec, fell back to latin-1) of bytes that can be decoded a block at a time (cut at an ASCII terminator:
    no UTF-8 character holds an ASCII byte), or None for UTF-16 (decoded whole, as `decode` does)."""
    first = raw[3:9] if raw[:3] == codecs.BOM_UTF8 else raw[:6]
    if first[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or first in (b"I\x00S\x00A\x00", b"\x00I\x00S\x00A"):
        return None
    if raw.isascii():
        return "ascii", False
    check = codecs.getincrementaldecoder("utf-8")()
    try:
        for k in range(0, len(raw), _CHUNK):
            check.decode(raw[k:k + _CHUNK])  # (the text is thrown away: only whether it decodes)
        check.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1", True
    return "utf-8", False


def _bad_separator(ch: str) -> bool:
    return not ch or ch.isalnum() or ch.isspace()


def _read_isa(text: str, start: int) -> tuple[Separators | None, str, int]:
    """Read separators from an ISA at ``start``. Returns (separators, problem, sep16_offset)."""
    elem = text[start + 3 : start + 4]
    if _bad_separator(elem):
        return None, f"the character after ISA ({elem!r}) cannot be an element separator", -1
    limit = min(len(text), start + _ISA_SEARCH_LIMIT)
    pos = start + 3
    for found in range(1, 16):
        pos = text.find(elem, pos + 1, limit)
        if pos < 0:
            return None, f"the ISA header is incomplete (found {found} of its 16 elements): the file is damaged or cut off", -1
    comp = text[pos + 1 : pos + 2]
    term = text[pos + 2 : pos + 3]
    if _bad_separator(comp) or comp == elem:
        return None, f"ISA16 ({comp!r}) cannot be a component separator: the ISA header is damaged", -1
    if term in ("\r", "\n"):
        term = "\n"
    elif not term:
        return None, _CUT_AFTER_ISA, -1
    elif _bad_separator(term) or term in (elem, comp):
        return None, f"the character after ISA16 ({term!r}) cannot be a segment terminator: the ISA header is damaged", -1
    fields = text[start : pos + 2].split(elem)
    rep = fields[11] if len(fields) > 12 else ""
    version = fields[12] if len(fields) > 12 else ""
    repetition = rep if (len(rep) == 1 and not _bad_separator(rep) and version >= "00501"
                         and rep not in (elem, comp, term)) else None
    return Separators(elem, comp, repetition, term), "", pos - start


class SegmentReader:
    """Reads separators on construction; iterate it for ``(number, segment_id, elements)``.

    ``ok`` is False when the data is not X12 at all or its ISA cannot be read; ``notices``
    then holds the one error saying so and iteration yields nothing. ``separators`` is the
    set in force for the segment last yielded (a later ISA may change it). A reader is
    iterated once: it lets go of the text as it goes.
    """

    def __init__(self, data: bytes | bytearray | memoryview | str):
        self.notices: list[Notice] = []
        self.separators: Separators | None = None
        self.ok = False
        self.has_isa = False
        self._resplits = 0
        # Bytes are decoded a block at a time as they are read (`_blocks`), so that a large file is not held twice
        # (as bytes and as text); the checks below read its head. A str, or UTF-16, is decoded whole.
        self._bytes: tuple[memoryview, str, int, int] | None = None
        if isinstance(data, memoryview):
            data = data.tobytes()  # (as `decode` copies it)
        found = None if isinstance(data, str) else _byte_codec(data)
        if found is not None:
            codec, latin1 = found
            view = memoryview(data)
            skip = 3 if view[:3] == codecs.BOM_UTF8 else 0
            end = len(view)
            while end > skip and view[end - 1] in _PAD_BYTES:
                end -= 1  # NUL padding from a block transfer, trailing blank lines
            head_end = min(end, skip + _HEAD_BYTES)
            text = codecs.getincrementaldecoder(codec)().decode(view[skip:head_end], final=head_end == end)
            if text.startswith("\ufeff"):  # a second byte order mark, as `decode` strips it
                text, skip = text[1:], skip + 3
            if head_end == end:
                found = None  # small enough: the head is the whole text
        else:
            text, latin1 = decode(data)
            if text[-1:] in ("\x00", " ", "\n", "\r", "\t"):
                text = text.rstrip(_TRAILING_PAD)  # NUL padding from a block transfer, trailing blank lines
        self._text = text
        self._foreign_warned = False
        m = _LEADING_SPACE.match(text)
        start = m.end() if m else 0
        self._start = start
        head = text[start : start + 3]
        if head == "ISA":
            seps, problem, sep16 = _read_isa(text, start)
            if seps is None:
                if problem == _CUT_AFTER_ISA:
                    self.notices.append(Notice("error", "truncated", problem, 1))
                else:
                    self.notices.append(Notice("error", "bad-isa", f"segment 1 (ISA): {problem}", 1))
                return
            self.has_isa = True
            problem = _foreign_separator(text, start + sep16 + 3, seps, 2)
            if problem:
                self.notices.append(Notice("error", "mixed-separators", problem, 2))
                return
            if sep16 != ISA_FIXED_WIDTH_SEP16:
                self.notices.append(Notice(
                    "warning", "isa-width",
                    f"segment 1 (ISA): the ISA is {sep16 + 3} characters instead of the fixed 106 "
                    "(its padding was squeezed out); read it by counting separators", 1))
        elif head[:2] in ("ST", "GS") and (head[2:3] in ("", "~") or not _bad_separator(head[2])):
            elem = head[2] if head[2:3] not in ("", "~") else "*"
            term = "~" if ("~" in text if found is None else b"~" in view[skip:end]) else "\n"
            comp = ":" if elem != ":" else ">"
            seps = Separators(elem, comp, None, term)
            self.notices.append(Notice(
                "warning", "no-isa",
                f"the file has no ISA interchange header (it starts at {head[:2]}); "
                f"read it with the default separators ({seps.describe()})", None))
        else:
            shown = text[start : start + 12]
            where = "the file is empty" if not shown else f"it starts with {shown!r}"
            self.notices.append(Notice("error", "not-x12", f"not an X12 file: expected it to start with ISA ({where})", None))
            return
        if latin1:
            self.notices.append(Notice("warning", "encoding", "the file is not valid UTF-8; read it as Latin-1", None))
        self.separators = seps
        self.ok = True
        if found is not None and len(seps.segment.encode(codec)) == 1 and seps.segment.isascii():
            self._bytes = (view, codec, skip + len(text[:start].encode(codec)), end)
            self._text = ""
        elif found is not None:  # a terminator no byte stands for alone: the whole text at once
            self._text = str(view[skip:end], codec)

    def _blocks(self) -> Iterator[str]:
        """The text of a file held as bytes, a block of about _CHUNK bytes at a time, each block ending just after a
        segment terminator (or at the end), decoded as it is reached."""
        assert self._bytes is not None and self.separators is not None
        view, codec, pos, end = self._bytes
        self._bytes = None
        data = view.obj if isinstance(view.obj, (bytes, bytearray)) and len(view.obj) == len(view) else bytes(view)
        term = ord(self.separators.segment)
        while pos < end:
            cut = data.rfind(term, pos, pos + _CHUNK) if end - pos > _CHUNK else end - 1
            if cut < 0:  # one segment longer than a block
                cut = data.find(term, pos + _CHUNK, end)
                if cut < 0:
                    cut = end - 1
            yield str(view[pos:cut + 1], codec)
            pos = cut + 1

    def __iter__(self) -> Iterator[tuple[int, str, list[str]]]:
        for n, batch in self.batches(shared=False):
            for els in batch:
                n += 1
                yield n, els[0], els

    def batches(self, shared: bool = False) -> Iterator[tuple[int, list[list[str]]]]:
        """The segments in runs: ``(number before the run, [elements, ...])``; segment ids are ``elements[0]``.

        What ``__iter__`` yields, without a generator step per segment: a block of plain segments (ids in
        ``_PLAIN_IDS``, no line break inside one) comes as one list, split with ``str`` methods mapped over the
        block; anything else comes one segment at a time, as soon as it is read (a later ISA changes
        ``separators`` before the segments after it are handed over).

        With ``shared``, segments written the same (``DTM*472*20260319``, ``CAS*CO*45*60``) within a block are
        split once and share one list: the caller must not change the lists."""
        if not self.ok or self.separators is None:
            return
        seps = self.separators
        elem, term = seps.element, seps.segment
        blocks = self._blocks() if self._bytes is not None else iter(())
        pending: str | None = next(blocks, None) if self._bytes is not None else self._text[self._start :]
        self._text = ""  # drop our reference; the caller may still hold the input
        n = 0
        warned_nl = False
        while pending is not None:
            text, pending = pending, None
            size, pos = len(text), 0
            check_nl = term != "\n"
            # split a block of about _CHUNK characters at a time: a list of every segment of a 50 MB file of
            # tiny segments would take some 15 times the file's size in memory
            while pos < size and pending is None:
                end = text.rfind(term, pos, pos + _CHUNK) if size - pos > _CHUNK else size
                if end < 0:  # one segment longer than a block
                    end = text.find(term, pos + _CHUNK)
                    if end < 0:
                        end = size
                parts = text[pos:end].split(term)
                after = pos = end + 1  # the text after this block (text[end] is a terminator)
                block = self._plain_block(parts, n == 0, elem, term if check_nl else "")
                if block is not None:
                    # the common case: the slow loop below would yield exactly these, one at a time
                    yield n, block if shared else [list(els) for els in block]  # unshared: one list per segment
                    n += len(block)
                    continue
                for idx, raw in enumerate(parts):
                    raw = raw.strip()
                    if not raw:
                        continue
                    if check_nl and "\n" in raw:
                        # segments that lost their terminator but sit on their own lines
                        # (or a later interchange that ends its segments with a newline)
                        lines = [s for s in (ln.strip() for ln in raw.split("\n")) if s]
                        for li, line in enumerate(lines):
                            if line[:3] == "ISA" and n > 0:
                                rest = "\n".join(lines[li:]) + term + _rest(parts, idx, text, after, term)
                                if self._switch(rest, n + 1):
                                    pending = rest
                                    break
                            if not warned_nl and len(lines) > 1:
                                warned_nl = True
                                self.notices.append(Notice(
                                    "warning", "missing-terminator",
                                    f"segment {n + 1}: a line break inside a segment; a segment terminator "
                                    f"{term!r} is missing, so each line was read as its own segment", n + 1))
                            els = line.split(elem)
                            yield n, [els]
                            n += 1
                        if pending is not None:
                            break
                        continue
                    els = raw.split(elem)
                    sid = els[0]
                    if sid not in _PLAIN_IDS:
                        if len(els) == 1 and not self._foreign_warned:
                            problem = _foreign_separator(raw, 0, self.separators, n + 1)
                            if problem:  # a problem of the whole file (segment None): it explains errors it causes earlier
                                self._foreign_warned = True
                                self.notices.append(Notice("error", "mixed-separators", problem, None))
                        if sid[:1] == "\ufeff":  # a BOM in the middle: files were concatenated
                            raw = raw.lstrip("\ufeff").strip()
                            if not raw:
                                continue
                            els = raw.split(elem)
                            sid = els[0]
                        if sid[:3] == "ISA" and n > 0:
                            if sid != "ISA" or len(els) != 17 or len(els[16]) != 1:
                                rest = raw + term + _rest(parts, idx, text, after, term)
                                if self._switch(rest, n + 1):
                                    pending = rest
                                    break
                            elif els[16] != self.separators.component:
                                comp = els[16]
                                if not _bad_separator(comp) and comp != elem:
                                    old = self.separators
                                    self.separators = Separators(elem, comp, old.repetition, term)
                    yield n, [els]
                    n += 1
            if pending is not None:  # a later interchange changed the separators: the rest is one text, split on its own
                pending += "".join(blocks)
                elem, term = self.separators.element, self.separators.segment
            else:
                pending = next(blocks, None)

    @staticmethod
    def _plain_block(parts: list[str], at_start: bool, elem: str, term: str) -> list[list[str]] | None:
        """The segments of ``parts`` (a block split on the terminator), each stripped and split on ``elem``, when
        every one is plain (its id in ``_PLAIN_IDS``, no line break inside it when ``term`` is given); else None.
        ``at_start``: the block starts the file, with its ISA (already read), which needs no second look.

        Each distinct text is stripped and split once, and segments written the same share one list."""
        head = 1 if at_start and parts and parts[0][:3] == "ISA" else 0
        raws = list(set(islice(parts, head, None)))
        stripped = list(map(_strip, raws))
        if term and ("\n" in term.join(stripped) or (head and "\n" in parts[0].strip())):
            return None
        split: dict[str, list[str] | None] = dict(zip(raws, map(str.split, stripped, repeat(elem))))
        for raw in compress(raws, map(not_, stripped)):  # blank: no segment
            split[raw] = None
        if not _PLAIN_IDS.issuperset(map(_first, filter(None, split.values()))):
            return None
        block = list(filter(None, map(split.__getitem__, islice(parts, head, None))))
        if head:
            block.insert(0, parts[0].strip().split(elem))
        return block  # type: ignore[arg-type]

    def _switch(self, rest: str, number: int) -> bool:
        """A later ISA at the start of ``rest``: adopt its separators if they differ. True if switched."""
        if self._resplits >= _MAX_RESPLITS:
            return False
        new, _, _ = _read_isa(rest, 0)
        old = self.separators
        if new is None or old is None or (new.element == old.element and new.segment == old.segment):
            return False
        self._resplits += 1
        self.separators = new
        self.notices.append(Notice(
            "warning", "separators-changed",
            f"segment {number} (ISA): this interchange uses other separators ({new.describe()})", number))
        return True


def _rest(parts: list[str], idx: int, text: str, after: int, term: str) -> str:
    """The text after ``parts[idx]``: the rest of its block, then everything after the block."""
    rest = term.join(parts[idx + 1 :])
    return rest + term + text[after:] if after < len(text) else rest


def _foreign_separator(text: str, pos: int, seps: Separators, number: int) -> str:
    """A problem when the segment at ``pos`` (up to its terminator) splits its elements with another character."""
    end = text.find(seps.segment, pos, pos + _ISA_SEARCH_LIMIT)
    seg = text[pos : end if end >= 0 else pos + _ISA_SEARCH_LIMIT].strip()
    if not seg or seps.element in seg:
        return ""
    m = _FOREIGN_SEPARATOR.match(seg)
    if not m or m.group(1) not in _PLAIN_IDS or m.group(2) in (seps.component, seps.repetition):
        return ""
    shown = seg if len(seg) <= 24 else seg[:21] + "..."
    return (f"segment {number} ({shown!r}) separates its elements with {m.group(2)!r}, but the ISA header declares"
            f" {seps.element!r}: the file mixes separators (damaged or edited by hand); ask the sender for a new copy")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in the file. ``segment`` is the 1-based segment number, or None for the file."""

    severity: str  # "error" | "warning"
    code: str
    message: str
    segment: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


FINDINGS_PER_CODE = 50  # findings of one code listed; the rest are counted in one "too-many-findings"


class FindingLog:
    """The findings of a reader: ``err``/``warn`` add one; past FINDINGS_PER_CODE of a code they are only counted
    (a damaged 10 MB file must not make a million messages). ``errors`` counts the error findings so far."""

    def __init__(self) -> None:
        self.errors = 0
        self.findings: list[Finding] = []
        self.counts: Counter[str] = Counter()
        self.suppressed: dict[str, tuple[str, int]] = {}

    def add(self, severity: str, code: str, message: str, segment: int | None) -> None:
        if severity == "error":
            self.errors += 1
        c = self.counts[code] = self.counts[code] + 1
        if c <= FINDINGS_PER_CODE:
            self.findings.append(Finding(severity, code, message, segment))
        else:
            prev = self.suppressed.get(code)
            sev = "error" if severity == "error" or (prev and prev[0] == "error") else "warning"
            self.suppressed[code] = (sev, (prev[1] if prev else 0) + 1)

    def room(self, code: str, severity: str) -> bool:
        """False when findings of this code are no longer listed: count one without building its message."""
        if self.counts[code] < FINDINGS_PER_CODE:
            return True
        self.add(severity, code, "", None)
        return False

    def err(self, code: str, message: str, segment: int | None) -> None:
        self.add("error", code, message, segment)

    def warn(self, code: str, message: str, segment: int | None) -> None:
        self.add("warning", code, message, segment)

    def sorted_findings(self) -> tuple[Finding, ...]:
        """Every finding in file order (those of the whole file first), then one per code that had more than were listed."""
        findings = sorted(self.findings, key=lambda f: -1 if f.segment is None else f.segment)
        for code, (sev, k) in self.suppressed.items():
            findings.append(Finding(sev, "too-many-findings", f"{k} more '{code}' findings were not listed", None))
        return tuple(findings)
