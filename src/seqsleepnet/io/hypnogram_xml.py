"""XML hypnograms, told apart by their root element.

* NSRR XML (SHHS, MESA, ...): ``PSGAnnotation/ScoredEvents/ScoredEvent``.
  Stage events have ``EventType`` "Stages|Stages" and an ``EventConcept`` such
  as "Wake|0", "Stage 2 sleep|2", "REM sleep|5" or "Unscored|9", with ``Start``
  and ``Duration`` in seconds. Other events (arousals, desaturations, ...) are
  ignored.
* Compumedics Profusion XML (``CMPStudyConfig``, NSRR's ``-profusion.xml``):
  one ``SleepStage`` code per epoch, read by
  :mod:`seqsleepnet.io.hypnogram_profusion`.

Files are parsed with :mod:`defusedxml`: a document that declares a DTD or
entities (external entities, "billion laughs") is refused.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import defusedxml
import defusedxml.ElementTree as SafeET

from seqsleepnet._version import __version__
from seqsleepnet.errors import FileFormatError, UnknownStageError
from seqsleepnet.hypnogram import Hypnogram, check_epoch_length
from seqsleepnet.io.edf_header import check_edf_year, edf_start_time
from seqsleepnet.io.hypnogram_formats import (
    MAX_SECONDS,
    events_to_stages,
    read_file_bytes,
    run_lengths,
)
from seqsleepnet.io.hypnogram_profusion import PROFUSION_ROOT, profusion_hypnogram
from seqsleepnet.stages import UNSCORED, parse_stage, parse_stages

__all__ = [
    "NSRR_CONCEPTS",
    "NSRR_ROOT",
    "encode_nsrr_xml",
    "nsrr_hypnogram",
    "parse_xml",
    "read_profusion_xml",
    "read_xml",
]

NSRR_ROOT = "PSGAnnotation"
"""Root element of an NSRR XML annotation file."""

NSRR_CONCEPTS: dict[int, str] = {
    0: "Wake|0",
    1: "Stage 1 sleep|1",
    2: "Stage 2 sleep|2",
    3: "Stage 3 sleep|3",
    4: "REM sleep|5",
    UNSCORED: "Unscored|9",
}
"""``EventConcept`` written for each stage index."""

STAGE_EVENT_TYPE = "Stages|Stages"
START_CONCEPT = "Recording Start Time"
_CLOCK_FORMAT = "%d.%m.%y %H.%M.%S"
_CLOCK_PATTERN = re.compile(r"(\d\d\.\d\d\.\d\d)\s+(\d\d[.:]\d\d[.:]\d\d)", re.ASCII)


def _number(event: ET.Element, tag: str, path: Path) -> float:
    text = (event.findtext(tag) or "").strip()
    try:
        value = float(text)
    except ValueError:
        raise FileFormatError(
            path,
            f"ScoredEvent with {tag} {text!r}: not a number",
            "Start and Duration are seconds",
        ) from None
    if not abs(value) <= MAX_SECONDS:  # also NaN; bounded before any sum can overflow
        raise FileFormatError(
            path,
            f"ScoredEvent with {tag} {text!r}: outside 0..{MAX_SECONDS:g} s (7 days)",
            "Start and Duration are seconds from the recording start",
        )
    return value


def _clock_time(event: ET.Element) -> dt.datetime | None:
    """The ``ClockTime`` of a "Recording Start Time" event; None without a real date.

    NSRR's translator copies it from the EDF header (``dd.mm.yy hh.mm.ss``), so
    it is read as the EDF reader reads the header: two-digit years 85-99 are
    1985-1999 and 00-84 are 2000-2084, colons in the time read as dots. An
    anonymised date (``00.00.00``) leaves the start unknown.
    """
    text = (event.findtext("ClockTime") or "").strip()
    match = _CLOCK_PATTERN.fullmatch(text)
    return None if match is None else edf_start_time(*match.groups())


def parse_xml(path: Path) -> ET.Element:
    """The root element of a hypnogram XML file, parsed safely.

    At most :data:`~seqsleepnet.io.hypnogram_formats.MAX_FILE_BYTES`; a DTD or
    entity declaration is refused rather than expanded or fetched.

    Raises
    ------
    FileFormatError
        Empty, too large, unsafe, not well-formed, or in an unknown encoding.
    """
    data = read_file_bytes(path)
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as error:
        raise FileFormatError(
            path,
            f"unsafe XML refused: it declares a DTD or entities ({type(error).__name__})",
            "NSRR and Profusion annotation files have no DTD; remove the declarations or use "
            "the original file",
        ) from None
    except ET.ParseError as error:
        raise FileFormatError(
            path, f"not well-formed XML ({error})", "give an NSRR or Profusion XML annotation file"
        ) from None
    except LookupError as error:  # <?xml ... encoding="Atf-8"?>
        raise FileFormatError(
            path, f"XML in an unknown encoding ({error})", "save the file as UTF-8"
        ) from None


def read_xml(path: Path, epoch_length: float | None) -> Hypnogram:
    """Read an XML hypnogram: NSRR ``PSGAnnotation`` or Profusion ``CMPStudyConfig``.

    The root element decides, not the file name: NSRR ships both as ``.xml``.
    See :func:`nsrr_hypnogram` and
    :func:`~seqsleepnet.io.hypnogram_profusion.profusion_hypnogram`.

    Raises
    ------
    FileFormatError
        If the XML is unsafe, not well formed, or has another root element;
        and as the reader of its format.
    """
    root = parse_xml(path)
    if root.tag == PROFUSION_ROOT:
        return profusion_hypnogram(root, path, epoch_length)
    if root.tag != NSRR_ROOT:
        raise FileFormatError(
            path,
            f"root element is <{root.tag}>, not <{NSRR_ROOT}> (NSRR) or <{PROFUSION_ROOT}> "
            "(Compumedics Profusion)",
            "give an NSRR (SHHS/MESA) or Profusion XML annotation file",
        )
    return nsrr_hypnogram(root, path, epoch_length)


def read_profusion_xml(path: Path, epoch_length: float | None) -> Hypnogram:
    """Read a Compumedics Profusion XML file (``format="profusion"``); other roots are refused."""
    root = parse_xml(path)
    if root.tag != PROFUSION_ROOT:
        fix = (
            "it is an NSRR annotation file: read it as format 'xml'"
            if root.tag == NSRR_ROOT
            else "give a Profusion XML file (NSRR's <study>-profusion.xml)"
        )
        raise FileFormatError(path, f"root element is <{root.tag}>, not <{PROFUSION_ROOT}>", fix)
    return profusion_hypnogram(root, path, epoch_length)


def nsrr_hypnogram(root: ET.Element, path: Path, epoch_length: float | None) -> Hypnogram:
    """The sleep stages of a parsed NSRR XML annotation document.

    Parameters
    ----------
    root : xml.etree.ElementTree.Element
        The ``PSGAnnotation`` root element.
    path : Path
        The file (named in errors and as the hypnogram's ``source``).
    epoch_length : float or None
        Seconds per epoch; None uses the file's ``EpochLength`` element, or
        infers it from the events if the file has none.

    Returns
    -------
    Hypnogram
        Labels (E,), onset of the first stage event; the start time when a
        "Recording Start Time" event gives a full date and clock time.

    Raises
    ------
    FileFormatError
        Non-numeric times or an invalid ``EpochLength``.
    UnknownStageError
        Listing every stage concept that is not known.
    HypnogramError
        On gaps, overlaps, negative onsets or durations off the epoch grid.
    """
    length = epoch_length
    declared = (root.findtext("EpochLength") or "").strip()
    if length is None and declared:
        try:
            length = check_epoch_length(float(declared))
        except ValueError:  # not a number; ConfigError (a ValueError): NaN, 0, over an hour
            raise FileFormatError(
                path,
                f"EpochLength {declared!r} is not an epoch length of 1 to 3600 s",
                "give seconds, e.g. 30",
            ) from None
    onsets: list[float] = []
    durations: list[float] = []
    concepts: list[str] = []
    starts: list[ET.Element] = []
    for event in root.iter("ScoredEvent"):
        event_type = (event.findtext("EventType") or "").strip()
        concept = (event.findtext("EventConcept") or "").strip()
        if concept == START_CONCEPT:
            starts.append(event)
        if not event_type.lower().startswith("stages"):
            continue
        onsets.append(_number(event, "Start", path))
        durations.append(_number(event, "Duration", path))
        concepts.append(concept)
    try:
        stages = parse_stages(concepts)
    except UnknownStageError as error:
        raise UnknownStageError(error.labels, source=str(path), mixed=error.mixed) from None
    if not concepts:
        _refuse_untyped_stages(root, path)
    start_time = _recording_start(starts, path)
    return events_to_stages(onsets, durations, stages, length, str(path), start_time)


def _refuse_untyped_stages(root: ET.Element, path: Path) -> None:
    """Name stage concepts in events whose ``EventType`` is not "Stages|Stages"."""
    untyped = [
        concept
        for event in root.iter("ScoredEvent")
        if "|" in (concept := (event.findtext("EventConcept") or "").strip()) and _is_stage(concept)
    ]
    if untyped:
        raise FileFormatError(
            path,
            f"no event has EventType '{STAGE_EVENT_TYPE}', but {len(untyped)} have stage concepts "
            f"such as {untyped[0]!r}",
            f"give each stage event <EventType>{STAGE_EVENT_TYPE}</EventType> as NSRR does",
        )


def _is_stage(concept: str) -> bool:
    try:
        parse_stage(concept)
    except UnknownStageError:
        return False
    return True


def _recording_start(events: list[ET.Element], path: Path) -> dt.datetime | None:
    """The recording start from the "Recording Start Time" events (all must agree).

    ``Start`` values are seconds from the recording start, and the event's
    ``ClockTime`` is that start only if the event itself starts at 0 s.
    """
    found: set[dt.datetime | None] = set()
    for event in events:
        if (event.findtext("Start") or "").strip() and _number(event, "Start", path) != 0:
            raise FileFormatError(
                path,
                f"the '{START_CONCEPT}' event starts at {event.findtext('Start')!r} s, not 0: "
                "its ClockTime is then not the recording start",
                "give the file as NSRR ships it, whose event starts at 0",
            )
        found.add(_clock_time(event))
    if len(found) > 1:
        shown = sorted("unknown" if time is None else time.isoformat() for time in found)
        raise FileFormatError(
            path,
            f"{len(events)} '{START_CONCEPT}' events give different starts: {shown}",
            "keep the one event of the recording these stages were scored on",
        )
    return found.pop() if found else None


def _element(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = text
    return child


def encode_nsrr_xml(hypnogram: Hypnogram) -> bytes:
    """NSRR XML with one "Stages|Stages" event per run of a stage (UTF-8 bytes)."""
    root = ET.Element(NSRR_ROOT)
    _element(root, "SoftwareVersion", f"seqsleepnet {__version__}")
    _element(root, "EpochLength", f"{hypnogram.epoch_length:g}")
    events = _element(root, "ScoredEvents")
    onset = hypnogram.onset
    if hypnogram.start_time is not None:
        check_edf_year(hypnogram.start_time, hypnogram.source, "NSRR XML's ClockTime")
        # ClockTime has whole seconds: a start at hh:mm:ss.5 moves its half second into
        # the onsets, so that every epoch keeps its absolute time
        start_time = hypnogram.start_time.replace(microsecond=0)
        onset += hypnogram.start_time.microsecond / 1e6
        event = _element(events, "ScoredEvent")
        _element(event, "EventType")
        _element(event, "EventConcept", "Recording Start Time")
        _element(event, "Start", "0")
        _element(event, "Duration", repr(onset + hypnogram.duration))
        _element(event, "ClockTime", start_time.strftime(_CLOCK_FORMAT))
    length = hypnogram.epoch_length
    for start, count, stage in run_lengths(hypnogram.stages):
        event = _element(events, "ScoredEvent")
        _element(event, "EventType", STAGE_EVENT_TYPE)
        _element(event, "EventConcept", NSRR_CONCEPTS[stage])
        _element(event, "Start", repr(onset + start * length))
        _element(event, "Duration", repr(float(count * length)))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
