"""ID-card OCR on the local model with generated cards, clean and phone-like (bounded: a few
cards; bench/kyc_bench.py measures the full set), and the retake problems."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from PIL import Image, ImageFilter

from opendeposit.identity import idcard, images
from opendeposit.identity.kit import FlowSettings
from opendeposit.identity.sandbox import cardgen, people
from opendeposit.identity.steps_document import cross_check, read_side
from tests.identity_support import cached_engines

pytestmark = pytest.mark.slow


class Kit:
    def __init__(self) -> None:
        self.ocr = cached_engines()[0]
        self.flow = FlowSettings()


def photo(img: Image.Image) -> images.Photo:
    return images.decode(cardgen.to_jpeg(img, 92))


def fields_of(kit: Kit, person: cardgen.CardPerson, front: Image.Image,
              back: Image.Image) -> dict[str, tuple[Any, Any]]:
    f = idcard.parse_front(read_side(kit, photo(front), "front").lines)  # type: ignore[arg-type]
    b = idcard.parse_back(read_side(kit, photo(back), "back").lines)  # type: ignore[arg-type]
    v = b.validity
    return {"name": (person.name, f.name), "sex": (person.sex, f.sex),
            "ethnicity": (person.ethnicity, f.ethnicity), "birth": (person.birth, f.birth_date),
            "address": (person.address, f.address), "id": (person.id_number, f.id_number),
            "authority": (person.authority, b.authority),
            "valid_from": (person.valid_from, v and v.valid_from),
            "valid_to": (person.valid_to, v and v.valid_to)}


def test_generated_cards_are_read_field_by_field() -> None:
    """A Han name with a 20-year card and a Manchu one with a long-term card (长期)."""
    kit = Kit()
    manchu = people.person(random.Random(3), ethnicity="满", long_term=True,
                           birth=date(1960, 3, 3))
    wrong, total = [], 0
    for i, person in enumerate([people.people(1, seed=21)[0], manchu]):
        front, back = cardgen.front(person, seed=i), cardgen.back(person, seed=i)
        for variant, (fi, bi) in {"clean": (front, back), "phone": (
                cardgen.phone_photo(front, seed=i), cardgen.phone_photo(back, seed=i + 50))
                                  }.items():
            for field, (want, got) in fields_of(kit, person, fi, bi).items():
                total += 1
                if want != got:
                    wrong.append((i, variant, field, want, got))
    assert len(wrong) <= 1, wrong  # the benchmark measures the full generated set
    assert total == 36


def test_retake_problems() -> None:
    kit = Kit()
    person = people.people(1, seed=4)[0]
    front, back = cardgen.front(person), cardgen.back(person)
    assert read_side(kit, photo(back), "front").problem == "ID_CARD_WRONG_SIDE"  # type: ignore[arg-type]
    blank = Image.new("RGB", (900, 560), (250, 250, 250))
    assert read_side(kit, photo(blank), "front").problem == "ID_CARD_NOT_FOUND"  # type: ignore[arg-type]
    blurred = front.filter(ImageFilter.GaussianBlur(7))
    assert read_side(kit, photo(blurred), "front").problem == "ID_CARD_TOO_BLURRY"  # type: ignore[arg-type]
    turned = read_side(kit, photo(front.rotate(90, expand=True)), "front")  # type: ignore[arg-type]
    assert turned.problem is None  # a card photographed sideways is turned upright


def test_card_whose_number_contradicts_its_birth_date() -> None:
    kit = Kit()
    person = people.people(1, seed=9)[0]
    forged = cardgen.CardPerson(**{**person.__dict__, "birth": date(1999, 9, 9)})
    lines = read_side(kit, photo(cardgen.front(forged)), "front").lines  # type: ignore[arg-type]
    problem, _ = cross_check(idcard.parse_front(lines), date(2025, 6, 2))
    assert problem == "ID_CARD_INCONSISTENT"
