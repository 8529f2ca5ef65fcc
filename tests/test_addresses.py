"""Addresses by structure (recognizers/addresses.py): every USPS suffix and the City, ST ZIP
tail, Canadian and European orders, PO boxes, addresses wrapped over lines and after "lives
at"; and what must stay: dates, amounts, headings, references to sections and pages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from recognizers.addresses import _SUFFIXES, AddressRecognizer

REC = AddressRecognizer()


def spans(text: str) -> set[str]:
    return {text[r.start:r.end] for r in REC.analyze(text, None)}


def covered(text: str, value: str) -> bool:
    at = text.index(value)
    return any(r.start <= at and at + len(value) <= r.end for r in REC.analyze(text, None))


@pytest.mark.parametrize("text,value", [
    ("Victim | 49647 Barnes Rapids, Alanbury, MN 46249 | 736-664-5645", "49647 Barnes Rapids, Alanbury, MN 46249"),
    ("Witness lives at 435 Shaw Rue, Ericksonton, ME 03139 now.", "435 Shaw Rue, Ericksonton, ME 03139"),
    ("Jerry Ortiz (8028 Andersen Curve Apt. 898, Paulport, NH 59603) spoke.",
     "8028 Andersen Curve Apt. 898, Paulport, NH 59603"),
    ("mailed to the home address, 7644 Miller River Suite 155,\nMarkfort, NE 04495, or by phone",
     "7644 Miller River Suite 155,\nMarkfort, NE 04495"),
    ("Cheryl Ortega, residing at 9743 Crystal Parkways, South Danielfurt, GU 19114, spoke.",
     "9743 Crystal Parkways, South Danielfurt, GU 19114"),
    ("The first applicant lives at 33 avenue de Provence, 13001 Marseille and asked.",
     "33 avenue de Provence, 13001 Marseille"),
    ("A letter came from Parmova 109, 1000 Ljubljana, Slovenia.", "Parmova 109, 1000 Ljubljana"),
    ("He gave Hauptstraße 12, 10115 Berlin as his address.", "Hauptstraße 12, 10115 Berlin"),
    ("She moved to Via Garibaldi 27, 20121 Milano last year.", "Via Garibaldi 27, 20121 Milano"),
    ("Write to 1204 Rue Sainte-Catherine Ouest, Montréal, QC H3G 1P1 please.",
     "1204 Rue Sainte-Catherine Ouest, Montréal, QC H3G 1P1"),
    ("Mail: PO Box 3318, Halifax, NS B3J 3J1.", "PO Box 3318, Halifax, NS B3J 3J1"),
    ("Postfach 1220, 80331 München", "Postfach 1220, 80331 München"),
    ("She lives at Parmova 109 with her sister.", "Parmova 109"),
    ("Thanks,\nJane Roe\nPSC 4115, Box 7815\nAPO AA 41945\n", "PSC 4115, Box 7815\nAPO AA 41945"),
    ("Victim | USNS Brown, FPO AE 11622 | 555-0100", "USNS Brown, FPO AE 11622"),
    ("Tenant: Unit 4/27 Wattle Street, Ultimo NSW 2007", "4/27 Wattle Street, Ultimo NSW 2007"),
    ("She lives at 12 Banksia Avenue, Bondi Junction NSW 2022 with her son.",
     "12 Banksia Avenue, Bondi Junction NSW 2022"),
    ("Post to 3/118 Gouger St, Adelaide SA 5000.", "3/118 Gouger St, Adelaide SA 5000"),
])
def test_addresses_found_whole(text, value):
    assert covered(text, value)


@pytest.mark.parametrize("text", [
    "Meeting held 18 February 2024 in Council Chambers. Called to order at 6:03 p.m.",
    "The next regular meeting is scheduled for March 12, 2024 Council Chambers.",
    "Amount | $377,476.00 awarded on 19 September 2024; 12 weeks of protected leave.",
    "See Section 4, 2000 Sydney and Page 12, 1990 Annual Report, 2024 Budget 3, 2023 Review.",
    "Carried 4-0. Item 12 Mill Race project deferred.",
    "The 2 officers took 15 minutes to arrive.",
    "During 2007 you were a nonresident alien.",
    "On 4/27 the Board met; 5/12 Council voted 4-1.",
])
def test_near_misses_stay(text):
    assert spans(text) == set()


_NAME = st.sampled_from(["Barnes", "Shaw", "Crystal", "Andersen", "Miller", "Oak", "Maple", "Kristy", "Lawson"])
_CITY = st.sampled_from(["Alanbury", "South Danielfurt", "Port Michelleland", "Lake Erica", "Riverton"])
_STATE = st.sampled_from(["MN", "ME", "GU", "NH", "FM", "VI", "PR", "DC", "CA", "TX"])


@hsettings(max_examples=60, deadline=None)
@given(number=st.integers(1, 99999), name=_NAME, suffix=st.sampled_from(_SUFFIXES), city=_CITY, state=_STATE,
       zipcode=st.integers(0, 99999), unit=st.one_of(st.none(), st.integers(1, 999)),
       wrap=st.booleans())
def test_generated_us_addresses(number, name, suffix, city, state, zipcode, unit, wrap):
    """Any "number name suffix [Apt n], City, ST ZIP" address, on one line or wrapped before
    the city, is found whole in a sentence."""
    street = f"{number} {name} {suffix}" + (f" Apt. {unit}" if unit else "")
    address = f"{street},{chr(10) if wrap else ' '}{city}, {state} {zipcode:05d}"
    text = f"The complainant gave {address} as the place of the incident."
    assert covered(text, address)


@pytest.mark.parametrize("text,value", [
    ("My name is Jodi and I live at 0113 Charles Mountain\nChristianhaven, MP 71327 since 2019.",
     "0113 Charles Mountain\nChristianhaven, MP 71327"),
    ("Adresse: 33, avenue de Provence\n75001 Paris", "33, avenue de Provence\n75001 Paris"),
    ("Calle de Alcalá, 23, 28014 Madrid", "Calle de Alcalá, 23, 28014 Madrid"),
    ("Woon op Kerkstraat 12, 1017 GB Amsterdam", "Kerkstraat 12, 1017 GB Amsterdam"),
    ("ul. Długa 12, 00-238 Warszawa", "ul. Długa 12, 00-238 Warszawa"),
])
def test_addresses_over_lines_and_european_postcodes(text, value):
    assert covered(text, value)
