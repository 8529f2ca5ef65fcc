"""Check digits and grammars for identifiers. Well-kept libraries where they exist
(python-stdnum); the VIN check digit and the NINO prefix rules, which stdnum lacks, here."""

from __future__ import annotations

import re

from stdnum import iban, luhn
from stdnum.gb import nhs
from stdnum.us import ein, itin, rtn, ssn


def _digits(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value)


_VIN_VALUES = {**{str(d): d for d in range(10)},
               **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9,
               **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin(value: str) -> bool:
    """North American VIN (49 CFR 565): 17 characters, no I/O/Q, check digit in position 9."""
    v = _digits(value).upper()
    if len(v) != 17 or any(c not in _VIN_VALUES for c in v):
        return False
    total = sum(_VIN_VALUES[c] * w for c, w in zip(v, _VIN_WEIGHTS))
    check = total % 11
    return v[8] == ("X" if check == 10 else str(check))


_NINO = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")


def uk_nino(value: str) -> bool:
    """UK National Insurance number: HMRC's allowed prefixes, six digits, suffix A-D."""
    return bool(_NINO.match(_digits(value).upper()))


_AMEX = ([4, 6, 5], [4, 6, 4])  # American Express, Diners Club


def _card_groups(lens: list[int]) -> bool:
    """Group lengths a card number is printed in: all digits together, 4-4-4-(1..7), or the
    American Express / Diners Club 4-6-5 and 4-6-4."""
    if len(lens) == 1 or lens in _AMEX:
        return True
    return len(lens) >= 3 and all(n == 4 for n in lens[:-1]) and 1 <= lens[-1] <= 7


def _card_number(value: str) -> bool:
    """A payment card number: 13 to 19 digits with a valid check digit, printed in a card's
    grouping, one group of which may be split in two (OCR reads "5131" as "5 131"), and
    wrapped over one line end at most. Numbers of a table's cells that happen to pass the
    check digit ("1985 12 447 ..." down a column of counts) are not in a card's grouping."""
    if value.count("\n") > 1:
        return False
    groups = [g for g in re.split(r"[ \n-]+", value.strip()) if g]
    digits = "".join(groups)
    if not (13 <= len(digits) <= 19 and digits.isdigit() and luhn.is_valid(digits)):
        return False
    lens = [len(g) for g in groups]
    if _card_groups(lens):
        return True
    return any(_card_groups(lens[:k] + [lens[k] + lens[k + 1]] + lens[k + 2:]) for k in range(len(lens) - 1))


VALIDATORS = {
    "us_ssn": lambda v: ssn.is_valid(_digits(v)),
    "us_itin": lambda v: itin.is_valid(_digits(v)),
    "us_ein": lambda v: ein.is_valid(_digits(v)),
    "aba_routing": lambda v: rtn.is_valid(_digits(v)),
    "card_number": lambda v: _card_number(v),
    "luhn": lambda v: len(_digits(v)) >= 12 and luhn.is_valid(_digits(v)),
    "iban": lambda v: iban.is_valid(v),
    "uk_nhs": lambda v: nhs.is_valid(_digits(v)),
    "uk_nino": uk_nino,
    "vin": vin,
    "has_digit": lambda v: any(c.isdigit() for c in v),
    "licence_number": lambda v: len(_digits(v)) >= 6 and any(c.isdigit() for c in v),
}
