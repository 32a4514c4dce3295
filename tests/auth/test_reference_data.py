"""Tests for consult.auth.reference_data (pure data, no app or database)."""

import dataclasses
import datetime
import re

import pytest

from consult.auth import reference_data as rd
from consult.auth.reference_data import (
    ALL_DELEGATIONS,
    BY_CODE,
    GROUPS,
    MEMBER_STATES,
    OBSERVER_STATES,
    ORGANISATIONS,
    DelegationRecord,
    UnknownDelegationError,
    get_record,
    member_states_on,
    validate_new_code,
)

LANGS = {"en", "fr", "es", "ru", "ar", "zh"}
ARABIC = re.compile(r"[\u0600-\u06FF]")
CJK = re.compile(r"[\u4E00-\u9FFF]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


# --- membership -------------------------------------------------------------


def test_there_are_193_member_states_today():
    assert len(MEMBER_STATES) == 193
    assert len(member_states_on(datetime.date.today())) == 193
    assert all(r.kind == "member_state" for r in MEMBER_STATES)


def test_192_members_before_south_sudan_joined():
    on_day = member_states_on(datetime.date(2010, 6, 1))
    assert len(on_day) == 192
    assert "SSD" not in {r.code for r in on_day}
    assert get_record("SSD").admitted_on == datetime.date(2011, 7, 14)
    assert len(member_states_on(datetime.date(2011, 7, 13))) == 192
    assert len(member_states_on(datetime.date(2011, 7, 14))) == 193


def test_191_members_before_montenegro_joined():
    on_day = member_states_on(datetime.date(2006, 1, 1))
    assert len(on_day) == 191
    assert "MNE" not in {r.code for r in on_day}
    assert get_record("MNE").admitted_on == datetime.date(2006, 6, 28)


def test_original_members_on_24_october_1945():
    # The UN had 51 original Members; two of them (Czechoslovakia and
    # Yugoslavia) no longer exist and their successors were admitted later
    # (Czechia 1993, Serbia 2000), so 49 of today's Member States date from
    # 24 October 1945.
    originals = member_states_on(datetime.date(1945, 10, 24))
    assert len(originals) == 49
    assert member_states_on(datetime.date(1945, 10, 23)) == []
    codes = {r.code for r in originals}
    assert {"CHN", "FRA", "RUS", "GBR", "USA", "BLR", "UKR", "TUR"} <= codes
    assert not {"CZE", "SRB", "DEU"} & codes


@pytest.mark.parametrize(
    ("code", "admitted"),
    [
        ("CHE", datetime.date(2002, 9, 10)),
        ("TLS", datetime.date(2002, 9, 27)),
        ("TUV", datetime.date(2000, 9, 5)),
        ("SRB", datetime.date(2000, 11, 1)),
        ("DEU", datetime.date(1973, 9, 18)),
        ("YEM", datetime.date(1947, 9, 30)),
        ("TZA", datetime.date(1961, 12, 14)),
        ("RUS", datetime.date(1945, 10, 24)),
        ("CZE", datetime.date(1993, 1, 19)),
    ],
)
def test_admission_dates(code, admitted):
    assert get_record(code).admitted_on == admitted


def test_member_states_on_returns_a_fresh_list():
    first = member_states_on(datetime.date(1960, 1, 1))
    first.clear()
    assert member_states_on(datetime.date(1960, 1, 1))


# --- codes ------------------------------------------------------------------


def test_state_codes_are_unique_uppercase_alpha3():
    codes = [r.code for r in MEMBER_STATES + OBSERVER_STATES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[A-Z]{3}", c) for c in codes)


def test_all_codes_unique_and_indexed():
    codes = [r.code for r in ALL_DELEGATIONS]
    assert len(codes) == len(set(codes))
    assert set(BY_CODE) == set(codes)
    assert all(c == c.upper() for c in codes)
    assert len(ALL_DELEGATIONS) == (
        len(MEMBER_STATES) + len(OBSERVER_STATES) + len(GROUPS) + len(ORGANISATIONS)
    )


def test_m49_codes():
    assert get_record("FRA").m49 == "250"
    assert get_record("CHN").m49 == "156"
    assert get_record("AFG").m49 == "004"
    states = MEMBER_STATES + OBSERVER_STATES
    assert all(re.fullmatch(r"[0-9]{3}", r.m49) for r in states)
    assert len({r.m49 for r in states}) == len(states)
    assert all(r.m49 is None and r.admitted_on is None for r in GROUPS + ORGANISATIONS)


def test_alpha2_table_covers_every_state():
    assert set(rd.ALPHA3_TO_ALPHA2) == {r.code for r in MEMBER_STATES + OBSERVER_STATES}
    assert rd.ALPHA3_TO_ALPHA2["FRA"] == "FR"
    assert rd.ALPHA3_TO_ALPHA2["PRK"] == "KP"


# --- names ------------------------------------------------------------------


def test_every_record_has_six_nonempty_names():
    for record in ALL_DELEGATIONS:
        assert set(record.names) == LANGS, record.code
        assert all(name.strip() for name in record.names.values()), record.code


def test_names_are_in_the_right_script():
    for record in ALL_DELEGATIONS:
        assert ARABIC.search(record.names["ar"]), record.code
        assert CJK.search(record.names["zh"]), record.code
        assert CYRILLIC.search(record.names["ru"]), record.code


@pytest.mark.parametrize(
    ("code", "lang", "name"),
    [
        ("TUR", "en", "Türkiye"),
        ("CIV", "en", "Côte d'Ivoire"),
        ("PRK", "en", "Democratic People's Republic of Korea"),
        ("KOR", "en", "Republic of Korea"),
        ("IRN", "en", "Iran (Islamic Republic of)"),
        ("VNM", "en", "Viet Nam"),
        ("GBR", "en", "United Kingdom of Great Britain and Northern Ireland"),
        ("NLD", "en", "Netherlands (Kingdom of the)"),
        ("VAT", "en", "Holy See"),
        ("PSE", "en", "State of Palestine"),
        ("FRA", "fr", "France"),
        ("TUR", "fr", "Türkiye"),
        ("KOR", "fr", "République de Corée"),
        ("CIV", "fr", "Côte d'Ivoire"),
        ("TUR", "es", "Türkiye"),
        ("PRK", "es", "República Popular Democrática de Corea"),
        ("CHN", "zh", "中国"),
        ("RUS", "ru", "Российская Федерация"),
    ],
)
def test_un_short_names(code, lang, name):
    assert get_record(code).names[lang] == name


def test_no_cldr_informal_names_left_in_english():
    english = {r.names["en"] for r in ALL_DELEGATIONS}
    for informal in ("Russia", "Syria", "Vietnam", "Laos", "South Korea", "North Korea",
                     "United States", "United Kingdom", "Iran", "Turkey"):
        assert informal not in english
    assert not any("&" in n or "St. " in n or "’" in n for n in english)


# --- lookup -----------------------------------------------------------------


def test_get_record_is_case_insensitive():
    assert get_record("fra") is get_record("FRA") is BY_CODE["FRA"]
    assert get_record(" g77 ").code == "G77"


def test_get_record_unknown_code():
    with pytest.raises(UnknownDelegationError, match="XYZ") as excinfo:
        get_record("XYZ")
    assert isinstance(excinfo.value, ValueError)
    assert excinfo.value.code == "XYZ"
    assert "ISO 3166-1 alpha-3" in str(excinfo.value)


def test_observers_are_not_members():
    member_codes = {r.code for r in MEMBER_STATES}
    for code, m49 in (("VAT", "336"), ("PSE", "275")):
        record = get_record(code)
        assert record.kind == "observer_state"
        assert record.m49 == m49
        assert record.admitted_on is None
        assert code not in member_codes
    assert {r.code for r in OBSERVER_STATES} == {"VAT", "PSE"}


def test_groups_and_organisations():
    for code in ("EU", "G77", "AG", "GRULAC", "WEOG", "AOSIS"):
        assert get_record(code).kind == "group"
    assert get_record("EU").names["en"] == "European Union"
    assert get_record("G77").names["en"] == "Group of 77 and China"
    # "NAM" is Namibia, so the Non-Aligned Movement uses another code.
    assert get_record("NAM").names["en"] == "Namibia"
    assert get_record("NON-ALIGNED").names["en"] == "Non-Aligned Movement"
    assert get_record("UNODC").kind == "un_entity"
    assert get_record("IOM").kind == "igo"
    assert get_record("COE").names["fr"] == "Conseil de l'Europe"
    assert "AU" not in {r.code for r in GROUPS}
    assert get_record("AU").kind == "igo"


def test_records_are_immutable():
    record = get_record("FRA")
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.code = "XXX"  # type: ignore[misc]
    assert hash(record) == hash(get_record("fra"))


def test_record_validation_rejects_bad_data():
    names = dict.fromkeys(LANGS, "x")
    with pytest.raises(ValueError):
        DelegationRecord(code="XX", kind="planet", m49=None, admitted_on=None, names=names)
    with pytest.raises(ValueError):
        DelegationRecord(code="XX", kind="ngo", m49=None, admitted_on=None, names={"en": "x"})
    with pytest.raises(ValueError):
        DelegationRecord(code="XXX", kind="member_state", m49="12", admitted_on=None, names=names)


# --- new organisation codes -------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("CARITAS", "CARITAS"), ("la-strada", "LA-STRADA"), ("  ecpat ", "ECPAT"), ("X1", "X1"),
     ("A" * 12, "A" * 12)],
)
def test_validate_new_code_accepts(raw, expected):
    assert validate_new_code(raw) == expected
    assert re.fullmatch(rd.CODE_PATTERN, expected)


@pytest.mark.parametrize("raw", ["", "   ", "A", "has space", "X" * 13, "-AB", "AB-", "ÉCOLE", "A_B"])
def test_validate_new_code_rejects(raw):
    with pytest.raises(ValueError):
        validate_new_code(raw)


def test_validate_new_code_rejects_codes_already_taken():
    with pytest.raises(ValueError, match="France"):
        validate_new_code("fra")
    with pytest.raises(ValueError, match="already used"):
        validate_new_code("UNODC")
