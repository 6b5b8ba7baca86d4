"""The opening decision (pure): age, ID expiry, one account, local customers, lists, velocity,
doubts → opened / review / rejected with every reason (domain.md §11.6–11.8)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from opendeposit.identity.rules import (
    Facts,
    Outcome,
    Policy,
    decide,
    location_in_area,
    needs_residence_proof,
)

POLICY = Policy()
BASE = Facts(business_date=date(2025, 6, 2), birth_date=date(1990, 1, 1),
             id_valid_to=date(2035, 1, 1), region_code="440305", location_in_area=None,
             has_residence_proof=False, has_open_account=False)


def outcome(**changes: object) -> tuple[Outcome, list[str]]:
    d = decide(replace(BASE, **changes), POLICY)  # type: ignore[arg-type]
    return d.outcome, d.codes


def test_a_local_adult_with_a_valid_card_is_opened() -> None:
    assert outcome() == (Outcome.OPENED, [])
    assert outcome(id_valid_to=None) == (Outcome.OPENED, [])  # 长期


def test_age_band_18_to_70_on_the_business_date() -> None:
    assert outcome(birth_date=date(2007, 6, 2))[0] is Outcome.OPENED  # 18 today
    assert outcome(birth_date=date(2007, 6, 3)) == (Outcome.REJECTED, ["AGE_OUT_OF_RANGE"])
    assert outcome(birth_date=date(1954, 6, 3))[0] is Outcome.OPENED  # 70
    assert outcome(birth_date=date(1954, 6, 2)) == (Outcome.REJECTED, ["AGE_OUT_OF_RANGE"])


def test_id_expiry_and_the_30_day_buffer() -> None:
    assert outcome(id_valid_to=date(2025, 6, 1)) == (Outcome.REJECTED, ["ID_CARD_EXPIRED"])
    assert outcome(id_valid_to=date(2025, 7, 1)) == (Outcome.REJECTED,
                                                      ["ID_CARD_EXPIRING_SOON"])
    assert outcome(id_valid_to=date(2025, 7, 2))[0] is Outcome.OPENED


def test_one_open_class_ii_account() -> None:
    assert outcome(has_open_account=True) == (Outcome.REJECTED, ["ACCOUNT_ALREADY_OPEN"])


def test_local_customer_rule() -> None:
    assert outcome(region_code="440106")[0] is Outcome.OPENED  # Guangzhou
    assert outcome(region_code="110105") == (Outcome.REJECTED, ["OUT_OF_SERVICE_AREA"])
    assert outcome(region_code="110105", location_in_area=True) == \
        (Outcome.REJECTED, ["OUT_OF_SERVICE_AREA"])  # no proof yet
    assert outcome(region_code="110105", location_in_area=True, has_residence_proof=True) == \
        (Outcome.REVIEW, ["OUT_OF_AREA_WITH_PROOF"])
    assert outcome(region_code="110105", location_in_area=False, has_residence_proof=True) == \
        (Outcome.REJECTED, ["OUT_OF_SERVICE_AREA"])
    assert needs_residence_proof(replace(BASE, region_code="110105", location_in_area=True),
                                 POLICY)
    assert not needs_residence_proof(BASE, POLICY)
    prefecture = Policy(service_area=("4403",))  # Shenzhen only
    assert decide(replace(BASE, region_code="440106"), prefecture).codes == \
        ["OUT_OF_SERVICE_AREA"]


def test_blacklist_and_velocity() -> None:
    assert outcome(blacklist_hits=("device",)) == (Outcome.REJECTED, ["BLACKLISTED"])
    assert outcome(applications_24h={"device": 4}) == (Outcome.REJECTED, ["VELOCITY_DEVICE"])
    assert outcome(applications_24h={"phone": 4}) == (Outcome.REJECTED, ["VELOCITY_PHONE"])
    assert outcome(applications_24h={"device": 3, "phone": 3, "ip": 10})[0] is Outcome.OPENED
    assert outcome(applications_24h={"ip": 11}) == (Outcome.REVIEW, ["VELOCITY_IP"])


def test_doubts_go_to_review_and_rejections_win() -> None:
    assert outcome(doubts=("FACE_GREY_ZONE", "OCR_NAME_DOUBT")) == \
        (Outcome.REVIEW, ["FACE_GREY_ZONE", "OCR_NAME_DOUBT"])
    assert outcome(doubts=("FACE_REFERENCE_WEAK",), has_open_account=True) == \
        (Outcome.REJECTED, ["ACCOUNT_ALREADY_OPEN"])
    both = decide(replace(BASE, birth_date=date(2010, 1, 1), region_code="110105"), POLICY)
    assert both.codes == ["AGE_OUT_OF_RANGE", "OUT_OF_SERVICE_AREA"]  # all reasons, not one


def test_geofence() -> None:
    bbox = (20.2, 109.6, 25.6, 117.4)
    assert location_in_area(22.54, 114.06, bbox)  # Shenzhen
    assert not location_in_area(39.90, 116.40, bbox)  # Beijing
