"""Read and write Pabulib ``.pb`` files, the open format of participatory-budgeting elections.

Format: https://pabulib.org/format (Faliszewski et al., "Participatory Budgeting: Data, Tools and
Analysis", IJCAI 2023). A file is semicolon-separated text (fields may be quoted) in three
sections, in this order, each opened by a line holding only its name:

- ``META``: a ``key;value`` header, then one key and value per line; ``budget`` and
  ``vote_type`` (approval, choose-1, cumulative, scoring, ordinal) are required.
- ``PROJECTS``: a header starting ``project_id;cost``, then one project per line.
- ``VOTES``: a header with ``voter_id`` and ``vote``, then one ballot per line; ``vote`` lists
  project ids separated by commas (for ordinal ballots best first); cumulative and scoring
  ballots carry a ``points`` column with one number per listed project.

Files ending in ``.gz`` are read and written gzipped. Errors name the file, the line (the first
line of the file is line 1) and the section, and all bad lines are reported up to a limit.
Numbers accept a decimal comma, as pabutools reads them. An approval ballot naming a project twice
counts it once.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Final

from gebiedskompas.core.errors import InputError, Problem, gettext_noop


class VoteType(StrEnum):
    APPROVAL = "approval"
    CHOOSE_1 = "choose-1"
    CUMULATIVE = "cumulative"
    SCORING = "scoring"
    ORDINAL = "ordinal"


POINTS_VOTE_TYPES: Final = frozenset({VoteType.CUMULATIVE, VoteType.SCORING})
SECTIONS: Final = ("META", "PROJECTS", "VOTES")


@dataclass(frozen=True)
class PbProject:
    """One project: its id, its cost (in the file's currency) and the other columns as text."""

    project_id: str
    cost: Decimal
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PbVote:
    """One ballot: the projects it names (ordinal: best first) and, for point ballots, points."""

    voter_id: str
    projects: tuple[str, ...]
    points: tuple[Decimal, ...] | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PbElection:
    """A whole ``.pb`` file. ``fields`` of projects and votes hold the columns not modelled."""

    meta: Mapping[str, str]
    projects: tuple[PbProject, ...]
    votes: tuple[PbVote, ...]
    project_columns: tuple[str, ...] = ("project_id", "cost")
    vote_columns: tuple[str, ...] = ("voter_id", "vote")

    @property
    def budget(self) -> Decimal:
        return _number(self.meta["budget"])

    @property
    def vote_type(self) -> VoteType:
        return VoteType(self.meta["vote_type"])


def _number(text: str) -> Decimal:
    value = Decimal(text.strip().replace(",", "."))
    if not value.is_finite():
        raise InvalidOperation(text)
    return value


def _format_number(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value)


class _Collector:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, line: int, section: str, message: str, value: object = None) -> None:
        self.problems.append(
            Problem(f"{section}: {message}", file=self.file, row=line, value=value)
        )


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, fields) per record; quoted fields may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    start = 1
    for row in reader:
        yield start, row
        start = reader.line_num + 1


def parse_pb(text: str, *, file: str = "<pb>") -> PbElection:
    """Parse the text of a ``.pb`` file. Raises ``InputError`` naming file, line and section."""
    bad = _Collector(file)
    text = text.removeprefix("\ufeff")
    section = ""
    seen: list[str] = []
    header: list[str] | None = None
    meta: dict[str, str] = {}
    projects: list[PbProject] = []
    project_lines: dict[str, int] = {}
    rejected: set[str] = set()  # ids on bad PROJECTS lines: votes for them raise nothing more
    raw_votes: list[tuple[int, list[str]]] = []
    project_columns: tuple[str, ...] = ()
    vote_columns: tuple[str, ...] = ()

    for line, row in _rows(text):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        first = row[0].strip()
        if first.upper() in SECTIONS and all(not f.strip() for f in row[1:]):
            name = first.upper()
            expected = SECTIONS[len(seen)] if len(seen) < len(SECTIONS) else None
            if name != expected:
                bad.add(line, name, f"section out of order; expected {expected or 'the end'}")
                break
            seen.append(name)
            section, header = name, None
            continue
        if not section:
            bad.add(line, "META", f'expected the line "META" first, found "{";".join(row)}"')
            break
        if header is None:
            header = [h.strip() for h in row]
            required = {"PROJECTS": ("project_id", "cost"), "VOTES": ("voter_id", "vote")}
            missing = [c for c in required.get(section, ()) if c not in header]
            if missing:
                bad.add(line, section, f"header lacks column(s) {', '.join(missing)}")
                break
            if section == "PROJECTS":
                project_columns = tuple(header)
            elif section == "VOTES":
                vote_columns = tuple(header)
            continue
        if len(row) != len(header):
            if section == "PROJECTS":
                rejected.add(row[0].strip())
            bad.add(
                line,
                section,
                f"{len(row)} fields where the header has {len(header)}",
                ";".join(row),
            )
            continue
        record = {h: v.strip() for h, v in zip(header, row, strict=True)}
        if section == "META":
            key, value = row[0].strip(), row[1].strip() if len(row) > 1 else ""
            if key in meta:
                bad.add(line, section, f'key "{key}" appears twice')
            meta[key] = value
        elif section == "PROJECTS":
            pid = record["project_id"]
            if not pid:
                bad.add(line, section, "project_id is empty")
                continue
            if pid in project_lines:
                bad.add(line, section, f'project "{pid}" already on line {project_lines[pid]}')
                continue
            try:
                cost = _number(record["cost"])
            except InvalidOperation:
                rejected.add(pid)
                bad.add(line, section, f'cost "{record["cost"]}" is not a number', record["cost"])
                continue
            if cost < 0:
                rejected.add(pid)
                bad.add(line, section, f"cost {record['cost']} is negative", record["cost"])
                continue
            project_lines[pid] = line
            others = {k: v for k, v in record.items() if k not in ("project_id", "cost")}
            projects.append(PbProject(pid, cost, others))
        else:
            raw_votes.append((line, row))

    if not bad.problems:
        for name in SECTIONS:
            if name not in seen:
                bad.add(text.count("\n") + 1, name, "section is missing")
    vote_type = _check_meta(meta, bad) if "META" in seen else None
    votes = (
        _parse_votes(raw_votes, vote_columns, vote_type, project_lines, rejected, bad)
        if vote_type is not None and {"voter_id", "vote"} <= set(vote_columns)
        else []
    )
    if bad.problems:
        raise InputError(bad.problems)
    return PbElection(
        meta=meta,
        projects=tuple(projects),
        votes=tuple(votes),
        project_columns=project_columns,
        vote_columns=vote_columns,
    )


def _check_meta(meta: Mapping[str, str], bad: _Collector) -> VoteType | None:
    for key in ("budget", "vote_type"):
        if key not in meta:
            bad.add(1, "META", f'key "{key}" is missing')
    if "budget" in meta:
        try:
            if _number(meta["budget"]) < 0:
                bad.add(1, "META", f'budget "{meta["budget"]}" is negative')
        except InvalidOperation:
            bad.add(1, "META", f'budget "{meta["budget"]}" is not a number')
    if "vote_type" not in meta:
        return None
    try:
        return VoteType(meta["vote_type"])
    except ValueError:
        bad.add(
            1,
            "META",
            f'vote_type "{meta["vote_type"]}" is not one of {", ".join(v.value for v in VoteType)}',
        )
        return None


def _parse_votes(
    raw: Sequence[tuple[int, list[str]]],
    columns: tuple[str, ...],
    vote_type: VoteType,
    project_lines: Mapping[str, int],
    rejected: set[str],
    bad: _Collector,
) -> list[PbVote]:
    votes: list[PbVote] = []
    voter_lines: dict[str, int] = {}
    i_voter, i_vote = columns.index("voter_id"), columns.index("vote")
    i_points = columns.index("points") if "points" in columns else None
    kept = tuple(i for i, c in enumerate(columns) if c not in ("voter_id", "vote", "points"))
    wants_points = vote_type in POINTS_VOTE_TYPES
    canonical = {pid: pid for pid in project_lines}
    if wants_points and i_points is None and raw:
        bad.add(raw[0][0], "VOTES", f"{vote_type} ballots need a points column")
        return []
    for line, row in raw:
        voter = row[i_voter].strip()
        if voter in voter_lines:
            bad.add(line, "VOTES", f'voter "{voter}" already on line {voter_lines[voter]}')
            continue
        voter_lines[voter] = line
        names = tuple(p.strip() for p in row[i_vote].split(",") if p.strip())
        if any(p in rejected for p in names):
            continue  # the project's own line is already reported
        # The ids as the very string objects of PROJECTS: later lookups by id then compare
        # pointers and reuse cached hashes, and 100,000 ballots hold no copies of the ids.
        known = tuple(map(canonical.get, names))
        if None in known:
            unknown = names[known.index(None)]
            bad.add(line, "VOTES", f'project "{unknown}" is not in PROJECTS', unknown)
            continue
        names = known  # type: ignore[assignment]  # no None left
        if len(set(names)) != len(names):
            if vote_type in (VoteType.APPROVAL, VoteType.CHOOSE_1):
                # An approval ballot is a set; real files (Amsterdam 604) repeat an id now and
                # then, and pabutools reads them as one approval, so do we.
                names = tuple(dict.fromkeys(names))
            else:
                bad.add(line, "VOTES", "a project is named twice in one ballot", row[i_vote])
                continue
        if vote_type is VoteType.CHOOSE_1 and len(names) > 1:
            bad.add(line, "VOTES", f"a choose-1 ballot names {len(names)} projects", row[i_vote])
            continue
        points: tuple[Decimal, ...] | None = None
        if wants_points and i_points is not None:
            texts = [t for t in row[i_points].split(",") if t.strip()]
            try:
                points = tuple(_number(t) for t in texts)
            except InvalidOperation:
                bad.add(line, "VOTES", f'points "{row[i_points]}" are not numbers', row[i_points])
                continue
            if len(points) != len(names):
                bad.add(
                    line,
                    "VOTES",
                    f"{len(points)} points for {len(names)} projects",
                    row[i_points],
                )
                continue
        others = {columns[i]: row[i].strip() for i in kept}
        votes.append(PbVote(voter, names, points, others))
    return votes


def read_pb(path: Path | str) -> PbElection:
    """Read a ``.pb`` or ``.pb.gz`` file; raises ``InputError`` for a malformed one."""
    path = Path(path)
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            [
                Problem(
                    gettext_noop("not UTF-8 text (byte {start})"), file=path.name, start=exc.start
                )
            ]
        ) from exc
    return parse_pb(text, file=path.name)


def anonymise_votes(votes: Sequence[PbVote]) -> tuple[PbVote, ...]:
    """Number the ballots 1..n in a canonical order, so neither id nor position identifies anyone.

    Sorting by the ballot's content drops the order of submission, which could be matched with a
    log of who voted when (Decidim's exporter makes the same point about order ids).
    """
    ordered = sorted(
        votes,
        key=lambda v: (v.projects, v.points or (), tuple(sorted(v.fields.items()))),
    )
    return tuple(
        PbVote(str(i), v.projects, v.points, v.fields) for i, v in enumerate(ordered, start=1)
    )


def format_pb(election: PbElection, *, anonymise: bool = True) -> str:
    """The text of ``election`` as a ``.pb`` file; ``anonymise`` renumbers the voters."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    votes = anonymise_votes(election.votes) if anonymise else election.votes
    meta = dict(election.meta)
    meta["num_projects"] = str(len(election.projects))
    meta["num_votes"] = str(len(votes))
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, value])
    out.write("PROJECTS\n")
    pcols = list(election.project_columns)
    writer.writerow(pcols)
    for p in election.projects:
        values = {"project_id": p.project_id, "cost": _format_number(p.cost), **p.fields}
        writer.writerow([values.get(c, "") for c in pcols])
    out.write("VOTES\n")
    vcols = list(election.vote_columns)
    if election.vote_type in POINTS_VOTE_TYPES and "points" not in vcols:
        vcols.append("points")
    writer.writerow(vcols)
    for v in votes:
        values = {
            "voter_id": v.voter_id,
            "vote": ",".join(v.projects),
            "points": ",".join(_format_number(x) for x in v.points or ()),
            **v.fields,
        }
        writer.writerow([values.get(c, "") for c in vcols])
    return out.getvalue()


def write_pb(election: PbElection, path: Path | str, *, anonymise: bool = True) -> Path:
    """Write ``election`` to ``path`` (gzipped when it ends in ``.gz``)."""
    path = Path(path)
    data = format_pb(election, anonymise=anonymise).encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return path
