"""Every write on budget rounds and initiatives.

Each function checks permission and invariants, calls the domain, and stores the outcome in one
transaction. Casting a ballot counts exactly once under concurrent and repeated submissions: the
code is claimed by a conditional UPDATE (``is_used`` false → true) on its row inside the
transaction that stores the ballot, so of two submissions with one code only one sees a row
updated; the database serialises them on the row lock (PostgreSQL) or the write lock (SQLite).
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from gebiedskompas.accounts.permissions import can
from gebiedskompas.accounts.roles import ASSESS_INITIATIVE, EDIT_PLAN, MANAGE_BUDGET_ROUND
from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import (
    InputError,
    KompasError,
    NotFound,
    PermissionDenied,
    Problem,
    gettext_noop,
)
from gebiedskompas.participation.domain import ballots as ballot_rules
from gebiedskompas.participation.domain import initiatives as initiative_rules
from gebiedskompas.participation.domain import phases
from gebiedskompas.participation.domain.allocation import Allocation, Profile, allocate
from gebiedskompas.participation.domain.ballots import BallotRules, BallotType
from gebiedskompas.participation.domain.initiatives import InitiativeStatus
from gebiedskompas.participation.domain.pabulib import (
    PbElection,
    PbProject,
    PbVote,
    VoteType,
    read_pb,
)
from gebiedskompas.participation.domain.phases import Phase
from gebiedskompas.participation.models import (
    Ballot,
    BudgetRound,
    EmailVerification,
    Idea,
    IdeaStatus,
    Initiative,
    ResidentContact,
    VotingCode,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from a letter
CODE_LENGTH = 12  # 60 bits
MAX_TEXT = 4000


class PhaseError(KompasError):
    """The round is not in a phase that allows this, or a phase move is refused."""


class BallotError(KompasError):
    """A ballot that cannot be counted; ``reason`` says why (a ``Refusal`` or a code problem)."""

    def __init__(self, message: str, /, *, reason: str, **params: object) -> None:
        column = "choices" if reason not in CODE_REASONS else "code"
        super().__init__(message, column=column, **params)
        self.reason = reason


CODE_REASONS = frozenset(
    {
        "unknown_code",
        "used_code",
        "closed",
        "bad_link",
        "used_email",
        "used_account",
        "address_used",
    }
)


class StatusError(KompasError):
    """An initiative move the workflow does not allow."""


# --- helpers ------------------------------------------------------------------------------------


class System:
    """The installation acting itself (the ``kompas`` command, the demo builder): whoever runs
    the command already controls the installation, so every permission check passes."""

    is_authenticated = False


SYSTEM = System()


def _require(by: Any, action: str, area: Area) -> None:
    if by is SYSTEM:
        return
    if not can(by, action, area):
        raise PermissionDenied(
            gettext_noop("niet toegestaan: {action} in {name}"), action=action, name=area.name
        )


def _round(round_id: int, *, lock: bool = False) -> BudgetRound:
    query = BudgetRound.objects.select_related("area")
    if lock:
        query = query.select_for_update(of=("self",))
    found = query.filter(pk=round_id).first()
    if found is None:
        raise NotFound(
            gettext_noop("onbekende buurtbegroting {round_id}"), value=round_id, round_id=round_id
        )
    return found


def _area(code: str) -> Area:
    found = Area.objects.filter(code=code).first()
    if found is None:
        raise NotFound(gettext_noop("onbekend gebied {code}"), column="area", value=code, code=code)
    return found


def _money(value: Decimal | int | str | None, column: str, *, required: bool = True) -> Decimal:
    if value is None or str(value).strip() == "":
        if required:
            raise KompasError(gettext_noop("vul een bedrag in"), column=column)
        return Decimal(0)
    try:
        amount = Decimal(str(value).strip().replace(",", ".")).quantize(Decimal("0.01"))
    except (ArithmeticError, InvalidOperation):
        raise KompasError(
            gettext_noop("{value!r} is geen bedrag"), column=column, value=value
        ) from None
    if amount < 0:
        raise KompasError(
            gettext_noop("een bedrag kan niet negatief zijn"), column=column, value=value
        )
    return amount


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(round_id: int, code: str) -> str:
    """The stored form of a voting code: a keyed hash (SECRET_KEY), so a copy of the database
    alone cannot be used to try codes."""
    value = f"{round_id}:{normalise_code(code)}"
    return salted_hmac("gebiedskompas.participation.code", value, algorithm="sha256").hexdigest()


def change_key(round_id: int, code: str) -> str:
    """The key under which a changeable ballot is found again: a hash of the code under another
    key than ``code_hash``, so the two columns cannot be matched without the code itself."""
    value = f"{round_id}:{normalise_code(code)}"
    return salted_hmac(
        "gebiedskompas.participation.ballot-change", value, algorithm="sha256"
    ).hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def rules_of(budget_round: BudgetRound) -> BallotRules:
    return BallotRules(
        ballot_type=BallotType(budget_round.ballot_type),
        budget=budget_round.budget,
        min_choices=budget_round.min_choices,
        max_choices=budget_round.max_choices,
        points=budget_round.points,
    )


# --- rounds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundInput:
    area_code: str
    name: str
    budget: Decimal | int | str
    ballot_type: str = BallotType.APPROVAL.value
    description: str = ""
    min_choices: int = 1
    max_choices: int | None = None
    points: int | None = None
    min_age: int | None = None
    residents_only: bool = True
    may_change_ballot: bool = False
    email_voting: bool = False
    login_voting: bool = False
    method: str = "mes-complete"
    plan: dict[str, tuple[date, date | None]] = field(default_factory=dict)


def create_round(data: RoundInput, *, by: Any, source: str = "") -> BudgetRound:
    """A new round in its preparation phase; ``by`` needs manage_budget_round on the area."""
    area = _area(data.area_code)
    _require(by, MANAGE_BUDGET_ROUND, area)
    if data.ballot_type not in set(BallotType):
        raise KompasError(
            gettext_noop("onbekend soort stembiljet {ballot_type!r}"),
            column="ballot_type",
            ballot_type=data.ballot_type,
        )
    if data.ballot_type == BallotType.CUMULATIVE and not data.points:
        raise KompasError(
            gettext_noop("bij punten verdelen hoort een aantal punten"), column="points"
        )
    if data.max_choices is not None and data.max_choices < data.min_choices:
        raise KompasError(
            gettext_noop("het maximum aantal keuzes is kleiner dan het minimum"), column="max"
        )
    if not data.name.strip():
        raise KompasError(gettext_noop("een buurtbegroting heeft een naam"), column="name")
    with transaction.atomic():
        budget_round = BudgetRound.objects.create(
            area=area,
            name=data.name.strip()[:200],
            description=data.description.strip(),
            budget=_money(data.budget, "budget"),
            ballot_type=data.ballot_type,
            min_choices=data.min_choices,
            max_choices=data.max_choices,
            points=data.points,
            min_age=data.min_age,
            residents_only=data.residents_only,
            may_change_ballot=data.may_change_ballot,
            email_voting=data.email_voting,
            login_voting=data.login_voting,
            method=data.method,
            source=source[:300],
        )
        for phase, (starts, ends) in data.plan.items():
            budget_round.plan.create(phase=Phase(phase).value, starts_on=starts, ends_on=ends)
    return budget_round


def change_phase(round_id: int, to: str, *, by: Any) -> BudgetRound:
    """Move the round to phase ``to`` if the table allows it and the round is ready for it.

    To voting: every idea is checked and at least one is on the ballot. To results: the round's
    method picks the winners (marked ``selected``). To execution: each winner becomes an action
    in the area's plan of this year, when the area has one.
    """
    with transaction.atomic():
        budget_round = _round(round_id, lock=True)
        _require(by, MANAGE_BUDGET_ROUND, budget_round.area)
        try:
            target = Phase(to)
            phases.check_move(Phase(budget_round.phase), target)
        except phases.PhaseRefused as exc:
            raise PhaseError(exc.template, column="phase", value=to, **exc.params) from None
        except ValueError as exc:  # not a phase at all
            raise PhaseError(str(exc), column="phase", value=to) from None
        ideas = budget_round.ideas.all()
        if target == Phase.VOTING:
            unchecked = ideas.filter(status=IdeaStatus.SUBMITTED).count()
            if unchecked:
                raise PhaseError(
                    gettext_noop("nog {unchecked} idee(ën) niet getoetst; toets eerst alle ideeën"),
                    column="phase",
                    unchecked=unchecked,
                )
            if not ideas.filter(status=IdeaStatus.ACCEPTED).exists():
                raise PhaseError(
                    gettext_noop("er staat geen enkel idee op het stembiljet"), column="phase"
                )
        if target == Phase.RESULTS:
            EmailVerification.objects.filter(round=budget_round, is_used=False).delete()
            _rewrite_in_random_order(budget_round)
            winners = set(tally(budget_round).winners)
            for idea in ideas.filter(status=IdeaStatus.ACCEPTED):
                idea.selected = idea.pb_id in winners
                idea.save(update_fields=["selected"])
        if target == Phase.EXECUTION:
            _plan_winners(budget_round, by)
        budget_round.phase = target.value
        budget_round.save(update_fields=["phase"])
    return budget_round


def _rewrite_in_random_order(budget_round: BudgetRound) -> None:
    """On PostgreSQL, rewrite the round's code and ballot rows one by one in random order when
    voting closes. A ballot and the code it claimed were written by one transaction, so until
    then their system column ``xmin`` is equal and their physical positions follow the order of
    casting; afterwards all rows carry this transaction's ``xmin`` in shuffled positions. The
    superseded row versions stay on disk until (auto)vacuum removes them (see ADR 0008).
    SQLite updates rows in place and has no such columns; nothing to do there."""
    if connection.vendor != "postgresql":
        return
    shuffle = secrets.SystemRandom().shuffle
    code_ids = list(VotingCode.objects.filter(round=budget_round).values_list("pk", flat=True))
    ballot_ids = list(Ballot.objects.filter(round=budget_round).values_list("pk", flat=True))
    link_ids = list(
        EmailVerification.objects.filter(round=budget_round).values_list("pk", flat=True)
    )
    shuffle(code_ids)
    shuffle(ballot_ids)
    shuffle(link_ids)
    with connection.cursor() as cursor:
        for pk in code_ids:
            cursor.execute(
                f"UPDATE {VotingCode._meta.db_table} SET is_used = is_used WHERE id = %s", [pk]
            )
        for pk in link_ids:
            cursor.execute(
                f"UPDATE {EmailVerification._meta.db_table} SET is_used = is_used WHERE id = %s",
                [pk],
            )
        for pk in ballot_ids:
            cursor.execute(
                f"UPDATE {Ballot._meta.db_table} SET choices = choices WHERE id = %s", [pk]
            )


def _plan_action(area: Area, *, title: str, amount: Decimal, source: str, by: Any) -> Any:
    """An action in the area's plan of this year, when there is one and ``by`` may edit it."""
    from gebiedskompas.cycle import services as cycle_services
    from gebiedskompas.cycle.models import AreaPlan

    today = timezone.localdate()
    plan = AreaPlan.objects.filter(area=area, year=today.year).first()
    if plan is None or not can(by, EDIT_PLAN, area):
        return None
    return cycle_services.add_action(
        plan.pk,
        title=title,
        owner="bewoners",
        start=today,
        by=by,
        budget_planned=amount,
        budget_source=source,
    )


def _plan_winners(budget_round: BudgetRound, by: Any) -> None:
    for idea in budget_round.ideas.filter(selected=True, action__isnull=True):
        idea.action = _plan_action(
            budget_round.area,
            title=idea.title,
            amount=idea.cost or Decimal(0),
            source=f"buurtbegroting: {budget_round.name}"[:120],
            by=by,
        )
        if idea.action is not None:
            idea.save(update_fields=["action"])


# --- ideas --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactInput:
    name: str = ""
    email: str = ""
    phone: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.name.strip() or self.email.strip() or self.phone.strip())


def _store_contact(contact: ContactInput | None, **owner: Any) -> None:
    if contact is None or contact.is_empty:
        return
    ResidentContact.objects.create(
        name=contact.name.strip()[:200],
        email=contact.email.strip()[:254],
        phone=contact.phone.strip()[:40],
        **owner,
    )


def submit_idea(
    round_id: int,
    *,
    title: str,
    description: str = "",
    location: str = "",
    estimated_cost: Decimal | int | str | None = None,
    contact: ContactInput | None = None,
    idempotency_key: str | None = None,
) -> Idea:
    """A resident's idea; only while the round collects ideas. A retried submission with the
    same ``idempotency_key`` returns the first idea."""
    if idempotency_key:
        earlier = Idea.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            return earlier
    budget_round = _round(round_id)
    if budget_round.phase != Phase.IDEAS:
        raise PhaseError(
            gettext_noop("deze buurtbegroting neemt nu geen ideeën aan"), column="phase"
        )
    if not title.strip():
        raise KompasError(gettext_noop("geef uw idee een titel"), column="title")
    if len(description) > MAX_TEXT:
        raise KompasError(
            gettext_noop("de omschrijving is langer dan {MAX_TEXT} tekens"),
            column="description",
            MAX_TEXT=MAX_TEXT,
        )
    cost = _money(estimated_cost, "estimated_cost", required=False) if estimated_cost else None
    try:
        with transaction.atomic():
            idea = Idea.objects.create(
                round=budget_round,
                title=title.strip()[:200],
                description=description.strip(),
                location=location.strip()[:300],
                estimated_cost=cost,
                idempotency_key=idempotency_key or None,
                submitted_at=timezone.now(),
            )
            _store_contact(contact, idea=idea)
    except IntegrityError:
        earlier = Idea.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is None:
            raise
        return earlier
    return idea


def check_idea(
    idea_id: int,
    *,
    feasible: bool,
    by: Any,
    cost: Decimal | int | str | None = None,
    public_reason: str = "",
) -> Idea:
    """The feasibility and cost check: on the ballot with its cost, or not, with a public reason."""
    with transaction.atomic():
        idea = Idea.objects.select_for_update().filter(pk=idea_id).first()
        if idea is None:
            raise NotFound(gettext_noop("onbekend idee {idea_id}"), value=idea_id, idea_id=idea_id)
        budget_round = _round(idea.round_id)
        _require(by, MANAGE_BUDGET_ROUND, budget_round.area)
        if budget_round.phase != Phase.CHECK:
            raise PhaseError(
                gettext_noop("ideeën worden alleen in de toetsfase getoetst"), column="phase"
            )
        if feasible:
            amount = _money(cost, "cost")
            if amount <= 0:
                raise KompasError(
                    gettext_noop("een idee op het stembiljet kost meer dan 0"), column="cost"
                )
            if amount > budget_round.budget:
                raise KompasError(
                    gettext_noop("de kosten ({amount}) zijn hoger dan het hele budget ({budget})"),
                    column="cost",
                    amount=amount,
                    budget=budget_round.budget,
                )
            idea.status, idea.cost = IdeaStatus.ACCEPTED, amount
            idea.public_reason = public_reason.strip()
        else:
            if not public_reason.strip():
                raise KompasError(
                    gettext_noop("geef een openbare reden waarom het idee niet doorgaat"),
                    column="public_reason",
                )
            idea.status, idea.public_reason = IdeaStatus.REJECTED, public_reason.strip()
        idea.checked_by = _user(by)
        if not idea.project_id:
            idea.project_id = str(idea.pk)
        idea.save()
    return idea


# --- voting codes -------------------------------------------------------------------------------

REGISTER_COLUMNS = ("adres", "postcode", "gebied", "geboortedatum")


@dataclass
class RegisterResult:
    """What importing an address register did. ``letters`` holds (address, postcode, code) for
    new codes only: the one time the codes exist in plain text, for the letters."""

    file: str
    new: int = 0
    unchanged: int = 0
    not_eligible: int = 0
    letters: list[tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "file": self.file,
            "new": self.new,
            "unchanged": self.unchanged,
            "not_eligible": self.not_eligible,
        }


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _within(area_ids: set[int], code: str, areas: dict[str, Area]) -> bool | None:
    """Whether area ``code`` lies in the round's area; None for an unknown code."""
    area = areas.get(code)
    if area is None:
        return None
    chain = {area.pk, area.parent_id, area.municipality_id, getattr(area.parent, "parent_id", None)}
    if area.parent is not None and area.parent.parent is not None:
        chain.add(area.parent.parent.parent_id)
    return bool(area_ids & chain)


def import_register(
    round_id: int,
    source: Path | str | bytes,
    *,
    by: Any,
    file: str = "",
    today: date | None = None,
    make_code: Callable[[int], str] = lambda _row: new_code(),
) -> RegisterResult:
    """Make one voting code per eligible row of an address register (CSV, ``;`` or ``,``).

    Columns: ``adres`` and ``postcode`` (required), ``gebied`` (the buurt or wijk code; required
    when only residents of the area may vote), ``geboortedatum`` (YYYY-MM-DD; required when
    the round has a minimum age) and ``huisnummer`` (optional: else the house number is read
    from ``adres``; e-mail and login voting check postcode + house number, see ADR 0008).
    Rows outside the area or too young are counted as not eligible. Any malformed row stops the
    import with all problems named (file, row, column) and nothing written; a row seen in an
    earlier import keeps its code ("unchanged").
    ``make_code(n)`` gives the code for the n-th new row (the demo's are derived from its seed).
    """
    if isinstance(source, bytes):
        raw, name = source, file or "register.csv"
    else:
        path = Path(source)
        raw, name = path.read_bytes(), file or path.name
    budget_round = _round(round_id)
    _require(by, MANAGE_BUDGET_ROUND, budget_round.area)
    if budget_round.phase in (Phase.RESULTS, Phase.EXECUTION):
        raise PhaseError(
            gettext_noop("na de stemming worden geen stemcodes meer gemaakt"), column="phase"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError([Problem(gettext_noop("not UTF-8 text"), file=name)]) from None
    dialect = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=dialect)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    reader.fieldnames = header
    needed = ["adres", "postcode"]
    if budget_round.residents_only:
        needed.append("gebied")
    if budget_round.min_age is not None:
        needed.append("geboortedatum")
    missing = [c for c in needed if c not in header]
    if missing:
        raise InputError(
            [
                Problem(
                    gettext_noop("missing column(s) {join_missing}"),
                    file=name,
                    row=1,
                    join_missing=", ".join(missing),
                )
            ]
        )
    today = today or timezone.localdate()
    areas = {
        a.code: a for a in Area.objects.select_related("parent__parent").all()
    }  # small per municipality
    round_area = {budget_round.area_id}
    problems: list[Problem] = []
    eligible: list[tuple[str, str, str, str]] = []  # (ref, address, postcode, address key)
    has_number = "huisnummer" in header
    seen: dict[str, int] = {}
    result = RegisterResult(file=name)
    for row_no, row in enumerate(reader, start=2):
        address = (row.get("adres") or "").strip()
        postcode = (row.get("postcode") or "").replace(" ", "").upper()
        if not address:
            problems.append(
                Problem(gettext_noop("empty address"), file=name, row=row_no, column="adres")
            )
            continue
        if not postcode:
            problems.append(
                Problem(gettext_noop("empty postcode"), file=name, row=row_no, column="postcode")
            )
            continue
        ok = True
        if budget_round.residents_only:
            inside = _within(round_area, (row.get("gebied") or "").strip(), areas)
            if inside is None:
                problems.append(
                    Problem(
                        gettext_noop("unknown area code"),
                        file=name,
                        row=row_no,
                        column="gebied",
                        value=row.get("gebied"),
                    )
                )
                continue
            ok &= inside
        if budget_round.min_age is not None:
            try:
                born = date.fromisoformat((row.get("geboortedatum") or "").strip())
            except ValueError:
                problems.append(
                    Problem(
                        gettext_noop("not a date (expected YYYY-MM-DD)"),
                        file=name,
                        row=row_no,
                        column="geboortedatum",
                        value=row.get("geboortedatum"),
                    )
                )
                continue
            ok &= _age_on(born, today) >= budget_round.min_age
        if not ok:
            result.not_eligible += 1
            continue
        identity = "|".join([address.lower(), postcode, (row.get("geboortedatum") or "").strip()])
        if identity in seen:
            problems.append(
                Problem(
                    gettext_noop("the same person as row {seen_identity}"),
                    file=name,
                    row=row_no,
                    seen_identity=seen[identity],
                )
            )
            continue
        seen[identity] = row_no
        ref = salted_hmac(
            "gebiedskompas.participation.register", f"{round_id}:{identity}", algorithm="sha256"
        ).hexdigest()
        number = (
            normalise_number(row.get("huisnummer") or "") if has_number else house_number(address)
        )
        if not number and budget_round.email_voting:
            problems.append(
                Problem(
                    gettext_noop("no house number (needed to vote by e-mail)"),
                    file=name,
                    row=row_no,
                    column="huisnummer" if has_number else "adres",
                    value=row.get("huisnummer") if has_number else address,
                )
            )
            continue
        key = address_key(round_id, postcode, number) if number else ""
        eligible.append((ref, address, postcode, key))
    if problems:
        raise InputError(problems)
    with transaction.atomic():
        known = dict(
            VotingCode.objects.filter(
                round=budget_round, register_ref__in=[r for r, _, _, _ in eligible]
            ).values_list("register_ref", "address_key")
        )
        new_rows = []
        for ref, address, postcode, key in eligible:
            if ref in known:
                result.unchanged += 1
                if key and not known[ref]:  # imported before addresses were keyed
                    VotingCode.objects.filter(round=budget_round, register_ref=ref).update(
                        address_key=key
                    )
                continue
            code = make_code(len(new_rows))
            new_rows.append(
                VotingCode(
                    round=budget_round,
                    code_hash=code_hash(round_id, code),
                    register_ref=ref,
                    address_key=key,
                )
            )
            result.letters.append((address, postcode, code))
        # Shuffle the rows so the table's order says nothing about the register's order.
        secrets.SystemRandom().shuffle(new_rows)
        VotingCode.objects.bulk_create(new_rows, batch_size=1000)
        result.new = len(new_rows)
    return result


def normalise_number(number: str) -> str:
    """A house number with its addition as typed: "12 a" and "12A" → "12A", "12 / 2" → "12-2"."""
    return "".join(number.split()).upper().replace("/", "-")


def house_number(address: str) -> str:
    """The house number of a register address, normalised: from the first word starting with a
    digit after the street name to the end ("Dorpsstraat 12 bis" → "12BIS", "2e Hugo de
    Grootstraat 5" → "5"); "" when there is none."""
    words = address.split()
    street = next((i for i, w in enumerate(words) if not w[:1].isdigit()), None)
    if street is None:  # only numbers: the register has a separate number column
        return normalise_number(address)
    start = next((i for i in range(street, len(words)) if words[i][:1].isdigit()), None)
    return "" if start is None else normalise_number("".join(words[start:]))


def normalise_postcode(postcode: str) -> str:
    return "".join(postcode.split()).upper()


def address_key(round_id: int, postcode: str, number: str) -> str:
    """Keyed hash of postcode + house number: what e-mail voting checks against the register."""
    value = f"{round_id}:{normalise_postcode(postcode)}:{normalise_number(number)}"
    return salted_hmac("gebiedskompas.participation.address", value, algorithm="sha256").hexdigest()


def write_letters(result: RegisterResult, path: Path | str) -> Path:
    """The codes for the letters as CSV (adres;postcode;stemcode). Keep it safe and destroy it
    after printing: with it, a used code names the address that voted."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["adres", "postcode", "stemcode"])
        writer.writerows(result.letters)
    return path


# --- ballots ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CastResult:
    changed: bool  # True: an earlier ballot of this code was replaced


def cast_ballot(round_id: int, code: str, choices: Sequence[tuple[str, int]]) -> CastResult:
    """Count one ballot for ``code``: validated against the round's rules, stored apart from
    the code, the code marked used — all in one transaction, so it counts exactly once.

    A used code raises ``BallotError`` (reason ``used_code``) unless the round lets voters
    change their ballot; then the ballot stored under the code's change key is replaced.
    """
    budget_round = _round(round_id)
    if budget_round.phase != Phase.VOTING:
        raise BallotError(gettext_noop("de stemming is niet open"), reason="closed")
    costs = dict(
        budget_round.ideas.filter(status=IdeaStatus.ACCEPTED).values_list("project_id", "cost")
    )
    try:
        clean = ballot_rules.check_ballot(rules_of(budget_round), choices, costs)
    except ballot_rules.BallotRefused as exc:
        raise BallotError(exc.template, reason=exc.reason.value, **exc.params) from None
    hashed = code_hash(round_id, code)
    payload = [[idea, value] for idea, value in clean]
    key = change_key(round_id, code) if budget_round.may_change_ballot else None
    with transaction.atomic():
        # The phase is read again under a lock: a round closed meanwhile takes no ballot.
        locked = BudgetRound.objects.select_for_update().filter(pk=round_id).first()
        if locked is None or locked.phase != Phase.VOTING:
            raise BallotError(gettext_noop("de stemming is niet open"), reason="closed")
        claimed = VotingCode.objects.filter(
            round_id=round_id, code_hash=hashed, is_used=False
        ).update(is_used=True)
        if claimed == 1:
            Ballot.objects.create(round_id=round_id, choices=payload, change_key=key)
            return CastResult(changed=False)
        if not VotingCode.objects.filter(round_id=round_id, code_hash=hashed).exists():
            raise BallotError(gettext_noop("deze stemcode kennen wij niet"), reason="unknown_code")
        if key is None:
            raise BallotError(gettext_noop("met deze stemcode is al gestemd"), reason="used_code")
        VotingCode.objects.select_for_update().get(round_id=round_id, code_hash=hashed)
        replaced = Ballot.objects.filter(round_id=round_id, change_key=key).update(choices=payload)
        if replaced != 1:  # the round allowed changes only after this code voted
            raise BallotError(gettext_noop("met deze stemcode is al gestemd"), reason="used_code")
        return CastResult(changed=True)


def code_status(round_id: int, code: str) -> str:
    """``unused``, ``used`` (may still change when the round allows) or ``unknown``."""
    found = (
        VotingCode.objects.filter(round_id=round_id, code_hash=code_hash(round_id, code))
        .values_list("is_used", flat=True)
        .first()
    )
    return "unknown" if found is None else ("used" if found else "unused")


# --- voting by e-mail ---------------------------------------------------------------------------

EMAIL_LINK_VALIDITY = timedelta(hours=1)


def email_key(round_id: int, email: str) -> str:
    """The stored form of a voter's e-mail address: a keyed hash (SECRET_KEY), per round."""
    value = f"{round_id}:{email.strip().lower()}"
    return salted_hmac("gebiedskompas.participation.email", value, algorithm="sha256").hexdigest()


def needs_register(budget_round: BudgetRound) -> bool:
    """Whether eligibility comes from the address register (living in the area, or a minimum
    age): then an e-mail voter names their address and uses up one of its register rows.
    Otherwise anyone may vote, once per e-mail address."""
    return budget_round.residents_only or budget_round.min_age is not None


@dataclass(frozen=True)
class EmailRequest:
    """What happened to a request: ``sent`` is "link", "already_voted" or "address_used"; the
    resident sees the same page in each case and reads the difference in the e-mail only, so
    the form says nothing about whether someone voted."""

    sent: str


def request_email_vote(
    round_id: int,
    *,
    email: str,
    link_for: Callable[[str], str],
    postcode: str = "",
    number: str = "",
    now: datetime | None = None,
) -> EmailRequest:
    """Send a one-time voting link to ``email`` (valid ``EMAIL_LINK_VALIDITY``).

    Where eligibility needs the register, ``postcode`` + ``number`` must match one of its rows
    (else ``KompasError`` on ``postcode``). The address is used for sending only; the database
    keeps its keyed hash. ``link_for(token)`` makes the link's absolute URL.
    """
    budget_round = _round(round_id)
    if not budget_round.email_voting:
        raise PhaseError(
            gettext_noop("in deze buurtbegroting stemt u met de code uit uw brief"), column="email"
        )
    if budget_round.phase != Phase.VOTING:
        raise BallotError(gettext_noop("de stemming is niet open"), reason="closed")
    address = email.strip()
    if "@" not in address:
        raise KompasError(gettext_noop("vul een e-mailadres in"), column="email")
    key = email_key(round_id, address)
    place, rows = _register_rows(budget_round, postcode, number)
    now = now or timezone.now()
    subject = f"Stemmen: {budget_round.name}"
    if EmailVerification.objects.filter(round_id=round_id, email_key=key, is_used=True).exists():
        send_mail(subject, _mail_text("already_voted", budget_round), None, [address])
        return EmailRequest("already_voted")
    if place and not rows.filter(is_used=False).exists():
        send_mail(subject, _mail_text("address_used", budget_round), None, [address])
        return EmailRequest("address_used")
    token = secrets.token_urlsafe(24)
    EmailVerification.objects.create(
        round=budget_round,
        token_hash=_token_hash(token),
        email_key=key,
        address_key=place,
        expires_at=now + EMAIL_LINK_VALIDITY,
    )
    send_mail(subject, _mail_text("link", budget_round, link_for(token)), None, [address])
    return EmailRequest("link")


def _register_rows(
    budget_round: BudgetRound, postcode: str, number: str
) -> tuple[str, QuerySet[VotingCode]]:
    """Where the round's eligibility needs the address register: the keyed address given and
    its register rows (refused when it is not in the register); else "" and no rows."""
    if not needs_register(budget_round):
        return "", VotingCode.objects.none()
    if not normalise_postcode(postcode) or not normalise_number(number):
        raise KompasError(gettext_noop("vul uw postcode en huisnummer in"), column="postcode")
    place = address_key(budget_round.pk, postcode, number)
    rows = VotingCode.objects.filter(round_id=budget_round.pk, address_key=place)
    if not rows.exists():
        raise KompasError(
            gettext_noop(
                "dit adres staat niet in het adressenbestand van deze buurtbegroting; controleer "
                "postcode en huisnummer"
            ),
            column="postcode",
        )
    return place, rows


def account_key(round_id: int, account: str) -> str:
    """The stored form of a municipal-login account: a keyed hash under its own key."""
    return salted_hmac(
        "gebiedskompas.participation.account", f"{round_id}:{account}", algorithm="sha256"
    ).hexdigest()


def start_login_vote(
    round_id: int,
    *,
    account: str,
    postcode: str = "",
    number: str = "",
    now: datetime | None = None,
) -> str:
    """A one-time voting link for a resident signed in with the municipal login (OIDC).

    ``account`` is the login's stable subject; one ballot per account (and, where eligibility
    needs the register, per register row of the address given, as by e-mail). Returns the
    link's token, which the page follows at once (nothing is sent). Refusals raise
    ``KompasError`` (address) or ``BallotError`` (already voted, address used, closed).
    """
    budget_round = _round(round_id)
    if not budget_round.login_voting:
        raise PhaseError(
            gettext_noop("in deze buurtbegroting stemt u niet met uw inlog"), column="account"
        )
    if budget_round.phase != Phase.VOTING:
        raise BallotError(gettext_noop("de stemming is niet open"), reason="closed")
    key = account_key(round_id, account)
    place, rows = _register_rows(budget_round, postcode, number)
    if place and not rows.filter(is_used=False).exists():
        raise BallotError(
            gettext_noop("voor iedereen op dit adres is al gestemd"), reason="address_used"
        )
    if EmailVerification.objects.filter(round_id=round_id, email_key=key, is_used=True).exists():
        raise BallotError(gettext_noop("met dit account is al gestemd"), reason="used_account")
    token = secrets.token_urlsafe(24)
    EmailVerification.objects.create(
        round=budget_round,
        token_hash=_token_hash(token),
        email_key=key,
        address_key=place,
        expires_at=(now or timezone.now()) + EMAIL_LINK_VALIDITY,
    )
    return token


def _mail_text(kind: str, budget_round: BudgetRound, link: str = "") -> str:
    from django.utils.translation import gettext

    minutes = int(EMAIL_LINK_VALIDITY.total_seconds() // 60)
    texts = {
        "link": gettext(
            "U vroeg om te stemmen in %(round)s. Volg deze link om uw stem uit te brengen; hij "
            "werkt één keer en %(minutes)s minuten lang:\n\n%(link)s\n\nUw stem wordt apart "
            "van uw e-mailadres bewaard. Vroeg u dit niet aan? Dan kunt u deze e-mail negeren."
        ),
        "already_voted": gettext(
            "U vroeg om te stemmen in %(round)s, maar met dit e-mailadres is al gestemd. "
            "Vroeg u dit niet aan? Dan kunt u deze e-mail negeren."
        ),
        "address_used": gettext(
            "U vroeg om te stemmen in %(round)s, maar voor iedereen die op dit adres mag stemmen "
            "is al een stem uitgebracht. Vroeg u dit niet aan? Neem dan contact op met de "
            "gemeente."
        ),
    }
    return texts[kind] % {"round": budget_round.name, "minutes": minutes, "link": link}


def email_link(round_id: int, token: str, *, now: datetime | None = None) -> EmailVerification:
    """The link's row if it can still be used; ``BallotError`` (``bad_link``) otherwise."""
    found = EmailVerification.objects.filter(round_id=round_id, token_hash=_token_hash(token))
    link = found.first()
    if link is None or link.is_used or link.expires_at <= (now or timezone.now()):
        raise BallotError(
            gettext_noop("deze stemlink is onbekend, verlopen of al gebruikt"), reason="bad_link"
        )
    return link


def cast_ballot_by_email(
    round_id: int,
    token: str,
    choices: Sequence[tuple[str, int]],
    *,
    now: datetime | None = None,
) -> CastResult:
    """Count one ballot for an e-mail link, exactly once: in one transaction the link is marked
    used (one used link per e-mail address and round: a unique constraint), one unused register
    row of its address is claimed where the round needs the register (so letter and e-mail
    together count once per row), and the ballot is stored with no link to either. E-mail
    ballots cannot be changed (no change key is derived from the address)."""
    budget_round = _round(round_id)
    if budget_round.phase != Phase.VOTING:
        raise BallotError(gettext_noop("de stemming is niet open"), reason="closed")
    email_link(round_id, token, now=now)
    costs = dict(
        budget_round.ideas.filter(status=IdeaStatus.ACCEPTED).values_list("project_id", "cost")
    )
    try:
        clean = ballot_rules.check_ballot(rules_of(budget_round), choices, costs)
    except ballot_rules.BallotRefused as exc:
        raise BallotError(exc.template, reason=exc.reason.value, **exc.params) from None
    with transaction.atomic():
        locked = BudgetRound.objects.select_for_update().filter(pk=round_id).first()
        if locked is None or locked.phase != Phase.VOTING:
            raise BallotError(gettext_noop("de stemming is niet open"), reason="closed")
        link = (
            EmailVerification.objects.select_for_update()
            .filter(round_id=round_id, token_hash=_token_hash(token), is_used=False)
            .first()
        )
        if link is None or link.expires_at <= (now or timezone.now()):
            raise BallotError(
                gettext_noop("deze stemlink is al gebruikt of verlopen"), reason="bad_link"
            )
        try:
            with transaction.atomic():
                link.is_used = True
                link.save(update_fields=["is_used"])
        except IntegrityError:
            raise BallotError(
                gettext_noop("met dit e-mailadres is al gestemd"), reason="used_email"
            ) from None
        if link.address_key:
            free = VotingCode.objects.filter(
                round_id=round_id, address_key=link.address_key, is_used=False
            ).values_list("pk", flat=True)
            claimed = 0
            for pk in free:  # a row claimed meanwhile by a housemate: try the next one
                claimed = VotingCode.objects.filter(pk=pk, is_used=False).update(is_used=True)
                if claimed == 1:
                    break
            if claimed != 1:
                raise BallotError(
                    gettext_noop("voor iedereen op dit adres is al gestemd"), reason="address_used"
                )
        Ballot.objects.create(round_id=round_id, choices=[[i, v] for i, v in clean])
    return CastResult(changed=False)


# --- results ------------------------------------------------------------------------------------


def profile_of(budget_round: BudgetRound) -> Profile:
    """The round's ballots as an allocation profile of the ideas on the ballot. What a ballot
    counts as follows its type (see the allocation package and ADR 0006): approval and knapsack
    ballots name ideas (cost satisfaction), cumulative ballots give points, ranking ballots give
    Borda points (favourite of m ideas m, then m - 1, …)."""
    ideas = dict(
        budget_round.ideas.filter(status=IdeaStatus.ACCEPTED).values_list("project_id", "cost")
    )
    costs = {pid: cost or Decimal(0) for pid, cost in ideas.items()}
    ballots = list(Ballot.objects.filter(round=budget_round).values_list("choices", flat=True))
    kind = BallotType(budget_round.ballot_type)
    if kind == BallotType.CUMULATIVE:
        return Profile.from_points(
            costs, budget_round.budget, [{p: float(v) for p, v in b if p in costs} for b in ballots]
        )
    if kind == BallotType.RANKING:
        return Profile.from_rankings(
            costs,
            budget_round.budget,
            [[p for p, _ in sorted(b, key=lambda c: c[1]) if p in costs] for b in ballots],
        )
    named = [[idea for idea, _value in choices if idea in costs] for choices in ballots]
    return Profile.from_ballots(costs, budget_round.budget, named)


def tally(budget_round: BudgetRound, method: str | None = None) -> Allocation:
    """The round's result under ``method`` (default: the round's own)."""
    return allocate(method or budget_round.method, profile_of(budget_round))


# --- Pabulib ------------------------------------------------------------------------------------

PB_TO_BALLOT = {
    VoteType.APPROVAL: BallotType.APPROVAL,
    VoteType.CHOOSE_1: BallotType.APPROVAL,
    VoteType.CUMULATIVE: BallotType.CUMULATIVE,
    VoteType.SCORING: BallotType.CUMULATIVE,
    VoteType.ORDINAL: BallotType.RANKING,
}
BALLOT_TO_PB = {
    BallotType.APPROVAL: VoteType.APPROVAL,
    BallotType.KNAPSACK: VoteType.APPROVAL,
    BallotType.CUMULATIVE: VoteType.CUMULATIVE,
    BallotType.RANKING: VoteType.ORDINAL,
}


def import_pb(
    path: Path | str, *, area_code: str, by: Any, name: str = ""
) -> tuple[BudgetRound, int]:
    """A ``.pb`` file as a round in its results phase (for analysis and demos): its projects as
    ideas on the ballot, its votes as ballots. Returns the round and the number of ballots.
    A malformed file raises ``InputError`` naming section and line; nothing is stored."""
    election = read_pb(path)
    vote_type = election.vote_type
    meta = election.meta
    max_length = int(meta["max_length"]) if meta.get("max_length", "").isdigit() else None
    min_length = int(meta["min_length"]) if meta.get("min_length", "").isdigit() else 1
    points = None
    if vote_type in (VoteType.CUMULATIVE, VoteType.SCORING):
        given = meta.get("max_sum_points") or meta.get("max_points") or ""
        points = int(Decimal(given)) if given.strip() else None
        if points is None:
            points = max((int(sum(v.points or ())) for v in election.votes), default=1) or 1
    with transaction.atomic():
        budget_round = create_round(
            RoundInput(
                area_code=area_code,
                name=name or meta.get("description") or Path(path).name,
                budget=election.budget,
                ballot_type=PB_TO_BALLOT[vote_type].value,
                description=meta.get("comment", ""),
                min_choices=min(min_length, max_length or min_length),
                max_choices=1 if vote_type == VoteType.CHOOSE_1 else max_length,
                points=points,
                residents_only=False,
            ),
            by=by,
            source=f"Pabulib: {Path(path).name}",
        )
        now = timezone.now()
        Idea.objects.bulk_create(
            [
                Idea(
                    round=budget_round,
                    project_id=p.project_id,
                    title=(p.fields.get("name") or f"Project {p.project_id}")[:200],
                    description=p.fields.get("description", ""),
                    cost=p.cost,
                    estimated_cost=p.cost,
                    status=IdeaStatus.ACCEPTED,
                    submitted_at=now,
                )
                for p in election.projects
            ],
            batch_size=1000,
        )
        rows = []
        for vote in election.votes:
            if vote.points is not None:
                values = [int(x) for x in vote.points]
            elif vote_type == VoteType.ORDINAL:
                values = list(range(1, len(vote.projects) + 1))
            else:
                values = [1] * len(vote.projects)
            rows.append(
                Ballot(
                    round=budget_round,
                    choices=[[p, v] for p, v in zip(vote.projects, values, strict=True)],
                )
            )
        Ballot.objects.bulk_create(rows, batch_size=2000)
        budget_round.phase = Phase.RESULTS.value
        budget_round.save(update_fields=["phase"])
        winners = set(tally(budget_round).winners)
        Idea.objects.filter(round=budget_round, project_id__in=winners).update(selected=True)
    return budget_round, len(rows)


def _plain_number(value: Decimal) -> str:
    """30000.00 → "30000", 12.50 → "12.5" (never an exponent)."""
    return format(value.normalize(), "f")


def export_pb(round_id: int) -> PbElection:
    """The round as a Pabulib election, anonymised: ideas on the ballot, ballots numbered in a
    canonical order (``format_pb`` renumbers them), no code, no contact, no timestamp."""
    budget_round = _round(round_id)
    ideas = list(budget_round.ideas.filter(status=IdeaStatus.ACCEPTED).order_by("pk"))
    ballot_type = BallotType(budget_round.ballot_type)
    vote_type = BALLOT_TO_PB[ballot_type]
    counted = {i.pb_id: 0 for i in ideas}
    votes = []
    for choices in Ballot.objects.filter(round=budget_round).values_list("choices", flat=True):
        ordered = sorted(choices, key=lambda c: c[1]) if vote_type == VoteType.ORDINAL else choices
        names = tuple(str(p) for p, _ in ordered)
        for p in names:
            if p in counted:
                counted[p] += 1
        points = tuple(Decimal(v) for _, v in ordered) if vote_type == VoteType.CUMULATIVE else None
        votes.append(PbVote("0", names, points))
    meta = {
        "description": budget_round.name,
        "country": "Netherlands",
        "unit": budget_round.area.name,
        "instance": str(budget_round.pk),
        "budget": _plain_number(budget_round.budget),
        "vote_type": vote_type.value,
        "rule": {"greedy": "greedy", "mes": "equalshares", "mes-complete": "equalshares/add1"}[
            budget_round.method
        ],
        "min_length": str(budget_round.min_choices),
    }
    if budget_round.max_choices is not None:
        meta["max_length"] = str(budget_round.max_choices)
    if ballot_type == BallotType.CUMULATIVE and budget_round.points:
        meta["max_sum_points"] = str(budget_round.points)
    projects = tuple(
        PbProject(
            i.pb_id,
            i.cost or Decimal(0),
            {
                "name": i.title,
                "votes": str(counted[i.pb_id]),
                "selected": "1" if i.selected else "0",
            },
        )
        for i in ideas
    )
    return PbElection(
        meta, projects, tuple(votes), ("project_id", "cost", "votes", "selected", "name")
    )


# --- initiatives --------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class InitiativeInput:
    area_code: str
    title: str
    description: str
    budget_asked: Decimal | int | str
    location: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    participants: str = ""
    contact: ContactInput | None = None
    idempotency_key: str | None = None


def apply_initiative(data: InitiativeInput, *, token: str = "") -> tuple[Initiative, str]:
    """A resident's or group's application. Returns the initiative and the token of the
    applicant's private status link (shown once; only its hash is stored). A retry with the same
    idempotency key returns the first initiative and an empty token."""
    if data.idempotency_key:
        earlier = Initiative.objects.filter(idempotency_key=data.idempotency_key).first()
        if earlier is not None:
            return earlier, ""
    area = _area(data.area_code)
    if not data.title.strip():
        raise KompasError(gettext_noop("geef uw initiatief een titel"), column="title")
    if not data.description.strip():
        raise KompasError(gettext_noop("beschrijf wat u wilt doen"), column="description")
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise KompasError(gettext_noop("de einddatum ligt voor de begindatum"), column="ends_on")
    amount = _money(data.budget_asked, "budget_asked")
    token = token or secrets.token_urlsafe(24)
    with transaction.atomic():
        initiative = Initiative.objects.create(
            area=area,
            title=data.title.strip()[:200],
            description=data.description.strip()[:MAX_TEXT],
            location=data.location.strip()[:300],
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            budget_asked=amount,
            participants=data.participants.strip()[:MAX_TEXT],
            token_hash=_token_hash(token),
            idempotency_key=data.idempotency_key or None,
            submitted_at=timezone.now(),
        )
        _store_contact(data.contact, initiative=initiative)
    return initiative, token


def initiative_by_token(token: str) -> Initiative:
    found = Initiative.objects.select_related("area").filter(token_hash=_token_hash(token)).first()
    if found is None:
        raise NotFound(gettext_noop("onbekende statuslink"))
    return found


def _initiative_for_update(initiative_id: int, by: Any) -> Initiative:
    found = (
        Initiative.objects.select_for_update(of=("self",))
        .select_related("area")
        .filter(pk=initiative_id)
        .first()
    )
    if found is None:
        raise NotFound(
            gettext_noop("onbekend initiatief {initiative_id}"),
            value=initiative_id,
            initiative_id=initiative_id,
        )
    _require(by, ASSESS_INITIATIVE, found.area)
    return found


def _move(initiative: Initiative, to: InitiativeStatus) -> None:
    try:
        initiative_rules.check_move(InitiativeStatus(initiative.status), to)
    except initiative_rules.StatusRefused as exc:
        raise StatusError(exc.template, column="status", value=to.value, **exc.params) from None
    initiative.status = to.value


def assess_initiative(
    initiative_id: int, *, criteria: dict[str, bool], advice: str, by: Any
) -> Initiative:
    """Record the assessment per criterion and the gebiedsverbinder's advice (status:
    assessing). May be repeated while no decision is taken."""
    unknown = set(criteria) - set(initiative_rules.CRITERIA)
    if unknown:
        raise KompasError(
            gettext_noop("onbekend criterium {sorted_unknown_0}"),
            column="criteria",
            sorted_unknown_0=sorted(unknown)[0],
        )
    with transaction.atomic():
        initiative = _initiative_for_update(initiative_id, by)
        if initiative.status == InitiativeStatus.SUBMITTED:
            _move(initiative, InitiativeStatus.ASSESSING)
        elif initiative.status != InitiativeStatus.ASSESSING:
            raise StatusError(gettext_noop("over dit initiatief is al besloten"), column="status")
        initiative.criteria = {k: bool(criteria.get(k, False)) for k in initiative_rules.CRITERIA}
        initiative.connector_advice = advice.strip()
        initiative.save()
    return initiative


def decide_initiative(
    initiative_id: int,
    *,
    decision: str,
    reason: str,
    by: Any,
    amount: Decimal | int | str | None = None,
) -> Initiative:
    """Grant, grant partly or refuse, always with a reason. A grant (in full or partly) puts the
    initiative in the area's plan of this year as an action with the amount granted."""
    to = InitiativeStatus(decision) if decision in set(InitiativeStatus) else None
    if to not in initiative_rules.DECISIONS:
        raise KompasError(
            gettext_noop("onbekend besluit {decision!r}"),
            column="decision",
            value=decision,
            decision=decision,
        )
    if not reason.strip():
        raise KompasError(gettext_noop("motiveer het besluit"), column="reason")
    with transaction.atomic():
        initiative = _initiative_for_update(initiative_id, by)
        assert to is not None  # checked above
        _move(initiative, to)
        if to == InitiativeStatus.REFUSED:
            initiative.amount_granted = Decimal(0)
        else:
            granted = (
                initiative.budget_asked
                if to == InitiativeStatus.GRANTED and amount in (None, "")
                else _money(amount, "amount")
            )
            if to == InitiativeStatus.PARTLY_GRANTED and not 0 < granted < initiative.budget_asked:
                raise KompasError(
                    gettext_noop(
                        "bij deels toekennen ligt het bedrag tussen 0 en het gevraagde bedrag"
                    ),
                    column="amount",
                )
            if to == InitiativeStatus.GRANTED and granted != initiative.budget_asked:
                raise KompasError(
                    gettext_noop("volledig toekennen is het gevraagde bedrag; kies anders 'deels'"),
                    column="amount",
                )
            initiative.amount_granted = granted
            initiative.action = _plan_action(
                initiative.area,
                title=f"Bewonersinitiatief: {initiative.title}"[:200],
                amount=granted,
                source="bewonersinitiatief",
                by=by,
            )
        initiative.decision_reason = reason.strip()
        initiative.decided_by = _user(by)
        initiative.decided_on = timezone.localdate()
        initiative.save()
    return initiative


def record_payment(
    initiative_id: int, *, amount: Decimal | int | str, by: Any, paid_on: date | None = None
) -> Initiative:
    with transaction.atomic():
        initiative = _initiative_for_update(initiative_id, by)
        paid = _money(amount, "amount")
        if initiative.amount_granted is not None and paid > initiative.amount_granted:
            raise KompasError(
                gettext_noop("uitbetaald ({paid}) is meer dan toegekend ({amount_granted})"),
                column="amount",
                paid=paid,
                amount_granted=initiative.amount_granted,
            )
        _move(initiative, InitiativeStatus.PAID)
        initiative.amount_paid = paid
        initiative.paid_on = paid_on or timezone.localdate()
        initiative.save()
    return initiative


def record_report(initiative_id: int, *, report: str, by: Any) -> Initiative:
    """The short report afterwards, recorded by staff for the applicant."""
    if not report.strip():
        raise KompasError(gettext_noop("het verslag is leeg"), column="report")
    with transaction.atomic():
        initiative = _initiative_for_update(initiative_id, by)
        _move(initiative, InitiativeStatus.REPORTED)
        initiative.report = report.strip()[:MAX_TEXT]
        initiative.reported_on = timezone.localdate()
        initiative.save()
    return initiative


def report_by_applicant(
    token: str,
    *,
    report: str,
    spending: str = "",
    photo_name: str = "",
    photo_data: bytes = b"",
) -> Initiative:
    """The applicant files the short report afterwards through their private status link (the
    token is their authorisation), once the initiative is paid out. An optional photo is
    checked and re-encoded without metadata as a signal's photo is (``UploadRefused``
    otherwise). Audited like every move: the history row has no user and says it came through
    the status link."""
    from django.core.files.base import ContentFile

    from gebiedskompas.core.photos import clean_photo

    if not report.strip():
        raise KompasError(gettext_noop("het verslag is leeg"), column="report")
    if len(report) > MAX_TEXT or len(spending) > MAX_TEXT:
        raise KompasError(
            gettext_noop("een tekst is langer dan {MAX_TEXT} tekens"),
            column="report",
            MAX_TEXT=MAX_TEXT,
        )
    photo = clean_photo(photo_name, photo_data) if photo_data else None
    with transaction.atomic():
        initiative = (
            Initiative.objects.select_for_update().filter(token_hash=_token_hash(token)).first()
        )
        if initiative is None:
            raise NotFound(gettext_noop("onbekende statuslink"))
        if initiative.status != InitiativeStatus.PAID:
            raise StatusError(
                gettext_noop("een verslag kan alleen na de uitbetaling, en één keer"),
                column="status",
            )
        _move(initiative, InitiativeStatus.REPORTED)
        initiative.report = report.strip()
        initiative.spending = spending.strip()
        initiative.reported_on = timezone.localdate()
        initiative.reported_by_applicant = True
        if photo is not None:
            suffix, content = photo
            initiative.report_photo.save(
                f"verslag-{initiative.pk}{suffix}", ContentFile(content), save=False
            )
        initiative._change_reason = "verslag van de aanvrager via de statuslink"  # type: ignore[attr-defined]  # simple-history reads it
        initiative.save()
    return initiative
