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


VALIDATORS = {
    "us_ssn": lambda v: ssn.is_valid(_digits(v)),
    "us_itin": lambda v: itin.is_valid(_digits(v)),
    "us_ein": lambda v: ein.is_valid(_digits(v)),
    "aba_routing": lambda v: rtn.is_valid(_digits(v)),
    "card_number": lambda v: 13 <= len(_digits(v)) <= 19 and _digits(v).isdigit() and luhn.is_valid(_digits(v)),
    "luhn": lambda v: len(_digits(v)) >= 12 and luhn.is_valid(_digits(v)),
    "iban": lambda v: iban.is_valid(v),
    "uk_nhs": lambda v: nhs.is_valid(_digits(v)),
    "uk_nino": uk_nino,
    "vin": vin,
    "has_digit": lambda v: any(c.isdigit() for c in v),
    "licence_number": lambda v: len(_digits(v)) >= 6 and any(c.isdigit() for c in v),
}
