"""Pure identity rules: ID numbers (GB 11643), card validity and age, names, and the onboarding
state machine (domain.md §5.5–5.7, §11.6)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from opendeposit.identity import errors, regions

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
NOT_MAINLAND = ("81", "82", "83")  # Hong Kong, Macao, Taiwan residence permits


# --------------------------------------------------------------------------- ID numbers


@dataclass(frozen=True)
class IdNumber:
    value: str
    region_code: str
    birth_date: date
    sex: str  # 男 | 女 (odd sequence number: male)

    @property
    def prefecture(self) -> str:
        return self.region_code[:4]


def check_char(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True)) % 11]


def normalize_id_number(raw: str) -> str:
    """Full-width digits, spaces and a lower-case or multiplication-sign X are forgiven."""
    text = unicodedata.normalize("NFKC", raw).replace("×", "X").replace(" ", "").strip()
    return text.upper()


def parse_id_number(raw: str, *, today: date) -> IdNumber:
    """Validate an 18-character mainland resident ID number; raise a specific error if not."""
    value = normalize_id_number(raw)
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise errors.IdNumberFormat()
    if value[:2] in NOT_MAINLAND or value[0] == "9":
        raise errors.IdNumberNotMainland()
    birth = _birth(value[6:14])
    if birth is None or birth > today or birth.year < 1850:
        raise errors.IdNumberBirthDate()
    if not regions.is_known(value[:6]):
        raise errors.IdNumberRegion()
    if check_char(value[:17]) != value[17]:
        raise errors.IdNumberChecksum()
    return IdNumber(value, value[:6], birth, "男" if int(value[16]) % 2 else "女")


def _birth(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


# --------------------------------------------------------------------------- validity, age


@dataclass(frozen=True)
class Validity:
    valid_from: date
    valid_to: date | None  # None: 长期 (long-term)

    @property
    def text(self) -> str:
        end = self.valid_to.strftime("%Y.%m.%d") if self.valid_to else "长期"
        return f"{self.valid_from.strftime('%Y.%m.%d')}-{end}"


def parse_validity(text: str) -> Validity | None:
    """'2015.03.01-2035.03.01' or '2015.03.01-长期' as printed on the card (OCR text)."""
    t = unicodedata.normalize("NFKC", text).replace(" ", "")
    m = re.search(r"(\d{4})\D?(\d{2})\D?(\d{2})[-—~至]+(?:(\d{4})\D?(\d{2})\D?(\d{2})|(长期))", t)
    if not m:
        return None
    start = _birth("".join(m.group(1, 2, 3)))
    end = None if m.group(7) else _birth("".join(m.group(4, 5, 6)))
    if start is None or (end is None and not m.group(7)):
        return None
    return Validity(start, end)


def check_validity(v: Validity, *, today: date, buffer_days: int = 30) -> None:
    """The card is in force today and for at least `buffer_days` more (domain.md §11.6)."""
    if v.valid_to is not None and v.valid_to <= v.valid_from:
        raise errors.IdValidityInvalid()
    if v.valid_from > today:
        raise errors.IdCardNotYetValid()
    if v.valid_to is not None and v.valid_to < today:
        raise errors.IdCardExpired()
    if v.valid_to is not None and v.valid_to < today + timedelta(days=buffer_days):
        raise errors.IdCardExpiringSoon()


def validity_looks_standard(v: Validity) -> bool:
    """5, 10 or 20 years from the issue date, or long-term (居民身份证法 Art. 5)."""
    if v.valid_to is None:
        return True
    years = v.valid_to.year - v.valid_from.year
    same_day = (v.valid_to.month, v.valid_to.day) == (v.valid_from.month, v.valid_from.day)
    return years in (5, 10, 20) and (same_day or (v.valid_from.month, v.valid_from.day) == (2, 29))


def age_on(birth: date, day: date) -> int:
    """Completed years on `day` (a business date, which is a Beijing date)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --------------------------------------------------------------------------- names

MIDDLE_DOTS = "•・‧･∙⋅●"
NAME_RE = re.compile(r"^[\u3400-\u9fff\U00020000-\U0003134f·]{2,30}$")


def normalize_name(raw: str) -> str:
    """NFC, trimmed, with look-alike dots turned into U+00B7 (never dropped, domain.md §5.7)."""
    name = unicodedata.normalize("NFC", raw).strip()
    for dot in MIDDLE_DOTS:
        name = name.replace(dot, "·")
    return name.replace(" ", "")


def check_name(raw: str) -> str:
    name = normalize_name(raw)
    if not NAME_RE.match(name) or name.startswith("·") or name.endswith("·"):
        raise errors.NameInvalid()
    return name


# --------------------------------------------------------------------------- state machine


class Status(StrEnum):
    APPLICATION = "application"  # started; next: the ID card photos
    ID_CARD = "id_card"  # OCR done; next: confirm the fields (citizen-ID check)
    IDENTITY = "identity"  # identity confirmed; next: selfie and liveness
    FACE = "face"  # face matched; next: the card to bind
    CARD = "card"  # five elements checked, SMS sent; next: the SMS code
    CARD_CONFIRMED = "card_confirmed"  # next: PIN and agreements
    SUBMITTED = "submitted"  # the decision is being made
    OPENED = "opened"
    REVIEW = "review"  # waiting for staff
    REJECTED = "rejected"
    EXPIRED = "expired"


class Step(StrEnum):
    ID_CARD = "id_card"
    IDENTITY = "identity"
    FACE = "face"
    CARD = "card"
    CARD_CONFIRM = "card_confirm"
    SUBMIT = "submit"


ORDER = [Status.APPLICATION, Status.ID_CARD, Status.IDENTITY, Status.FACE, Status.CARD,
         Status.CARD_CONFIRMED, Status.SUBMITTED]
FINAL = frozenset({Status.OPENED, Status.REJECTED, Status.EXPIRED})
OPEN = frozenset(ORDER) | {Status.REVIEW}  # one such application per customer at a time
# from which statuses a step may run (re-running the current step is a retake), and its result
STEP_FROM: dict[Step, frozenset[Status]] = {
    Step.ID_CARD: frozenset({Status.APPLICATION, Status.ID_CARD}),
    Step.IDENTITY: frozenset({Status.ID_CARD}),
    Step.FACE: frozenset({Status.IDENTITY}),
    Step.CARD: frozenset({Status.FACE, Status.CARD}),
    Step.CARD_CONFIRM: frozenset({Status.CARD}),
    Step.SUBMIT: frozenset({Status.CARD_CONFIRMED}),
}
STEP_TO: dict[Step, Status] = {
    Step.ID_CARD: Status.ID_CARD, Step.IDENTITY: Status.IDENTITY, Step.FACE: Status.FACE,
    Step.CARD: Status.CARD, Step.CARD_CONFIRM: Status.CARD_CONFIRMED,
    Step.SUBMIT: Status.SUBMITTED,
}
NEXT_STEP: dict[Status, Step] = {
    Status.APPLICATION: Step.ID_CARD, Status.ID_CARD: Step.IDENTITY,
    Status.IDENTITY: Step.FACE, Status.FACE: Step.CARD, Status.CARD: Step.CARD_CONFIRM,
    Status.CARD_CONFIRMED: Step.SUBMIT,
}


def next_step(status: Status) -> Step | None:
    return NEXT_STEP.get(status)


def check_step(status: Status, step: Step) -> None:
    """Allow `step` from `status`, or say whether it skips ahead or replays a finished step."""
    if status is Status.EXPIRED:
        raise errors.ApplicationExpired()
    if status in FINAL or status in (Status.REVIEW, Status.SUBMITTED):
        raise errors.ApplicationClosed(details={"status": status.value})
    if status in STEP_FROM[step]:
        return
    target = ORDER.index(STEP_TO[step])
    expected = NEXT_STEP[status].value
    if target <= ORDER.index(status):
        raise errors.StepReplayed(details={"status": status.value, "next_step": expected})
    raise errors.StepSkipped(details={"status": status.value, "next_step": expected})


def is_stale(updated_at: datetime, now: datetime, idle: timedelta) -> bool:
    return now - updated_at > idle
