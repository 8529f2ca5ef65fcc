"""Whose mailbox an email address is: a person's, an office's, or an official's by name.

One notion for the whole product (detect.py lowers office mailboxes below the floor;
officials.py gives a government office's mailbox to its agency and an official's work address
to the official; names.py reads a person's name from a first.last mailbox):

- on ANY domain, a mailbox named by an office's role ("foia@", "info@", "press@") is an
  office's, not a person's;
- on a GOVERNMENT domain (common.GOV_EMAIL), a mailbox with no part of a person's name in it
  ("ANM-Seattle-ACO-AMOC-Requests@faa.gov", "desm.lpgmn@usda.gov") is an office's too. On
  other domains that test is not enough: "xk77b@gmail.com" is someone's, and withheld.
"""

from __future__ import annotations

import regex as re

# The local parts that name an office's role.
ROLE_WORDS = frozenset({
    "foia", "info", "records", "housing", "publicworks", "admin", "contact", "help", "support", "office",
    "clerk", "permits", "hr", "press", "media", "webmaster", "noreply", "no-reply", "complaints", "billing",
    "accounts", "sales", "service", "services", "reception", "mail"})


def local_part(address: str) -> str:
    """The local part of an address, without what a reader took in before it."""
    m = re.search(r"[\w.+-]+(?=@)", address)
    return m.group(0) if m else ""


def parts(local: str) -> list[str]:
    """The words of a mailbox, lower case ("doug.rudolph2" -> ["doug", "rudolph"])."""
    return [p for p in re.split(r"[._+-]|\d+", local.lower()) if p]


def is_role_mailbox(address: str) -> bool:
    """An office's mailbox on any domain: its local part is a role word ("foia@city.org")."""
    return local_part(address).lower() in ROLE_WORDS


def could_be_personal(local: str) -> bool:
    """Could the mailbox ``local`` be a person's: a given name or a surname of the lexicon in
    one of its parts, or an initial and a surname ("jgordon", "doug.rudolph", "m_spencer2")?
    "ANM-Seattle-ACO-AMOC-Requests", "desm.lpgmn", "foia" are an office's."""
    from .names import is_given, is_surname

    words = parts(local)
    for p in words:
        if len(p) > 2 and (is_given(p, international=False) or is_surname(p)):
            return True
        if len(p) > 3 and (is_surname(p[1:]) or is_surname(p[2:]) or is_given(p[:-1], international=False)):
            return True
    return not words


def matches_name(local: str, name_key: str) -> bool:
    """Is ``local`` the usual mailbox of the name ``name_key`` (lower-case words, given name
    first): "jsmith", "john.smith", "smithj", "john_smith2"?"""
    words = name_key.split()
    if len(words) < 2:
        return False
    first, last = words[0], words[-1]
    local = re.sub(r"\d+$", "", local.lower())
    return local in {first[0] + last, first + "." + last, first + last, first + "_" + last, last,
                     first[0] + "." + last, last + first[0], first + last[0]}
