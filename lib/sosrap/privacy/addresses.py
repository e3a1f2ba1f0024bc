"""Street addresses and postal codes (a postal code counts when Voikko knows
the following word as a place name). No gazetteer: street words by their
endings (…katu, …tie, …kuja …) plus a house number."""
from __future__ import annotations

import re
from functools import lru_cache

from sosrap.privacy.kinds import ADDRESS, Hit, View, mapped, prep
from sosrap.privacy.names import is_place

# ---------------------------------------------------------------------------
# Street addresses and postal codes
# ---------------------------------------------------------------------------

_STREET_STEMS = (r"(?:katu|kadu|tie|kuja|polku|polu|väylä|kaari|kaare|kaarre|kaartee|rinne|rintee|raitti"
                 r"|raiti|tori|aukio|tanhua|puistikko|bulevardi|esplanadi|piha|pihati|vägen|gatan|gränd"
                 r"|stigen|vägen|backen|torget|kujanne|kujantee|ranta|rannan|penger|pentere|mäki|mäe|portti|portin)")
_UPPER = "A-ZÅÄÖÜ"
_LOWER = "a-zåäöüé"
_STREET_WORD = (r"(?<![\w\-])[" + _UPPER + r"][" + _LOWER + r"]*(?:-[" + _UPPER + _LOWER + r"][" + _LOWER
                + r"]*)*" + _STREET_STEMS + r"[" + _LOWER + r"]{0,5}")
_ADDRESS = re.compile(
    r"(" + _STREET_WORD + r")"
    r"[ ](?P<num>\d{1,3}(?!\d|[.,/:]\d)(?:[ ]?-[ ]?\d{1,3}(?!\d|[.,:]\d))?)"
    r"(?:[ ]?[a-hA-H](?:[ ]?\d{1,3}(?!\d|[.,:]\d))?(?![\w]))?"
    r"(?:[ ]?(?:as\.?|asunto|lh\.?|bst\.?)[ ]?\d{1,4}(?!\d))?"
    r"(?:,?[ ]\d{5}(?!\d)(?:[ ][" + _UPPER + r"][" + _UPPER + _LOWER + r"\-]+)?)?")
_STREET_EXCLUDE = ("valtatie", "kantatie", "seututie", "moottoritie", "yhdystie", "maantie", "rautatie",
                   "tie", "katu", "polku", "piha", "ranta", "mäki", "portti")
# …tori words that are no market square: indikaattori, sektori, monitori, pastori (a square is kauppatori)
_NOT_A_SQUARE = re.compile(r"(?:ttori|ktori|ptori|itori|stori)(?:[a-zäö]{0,5})$|(?:ttori|ktori)[-]")
_POSTAL = re.compile(r"(?<![\d])(\d{5})[ ]([" + _UPPER + r"][" + _LOWER + r"]+(?:-[" + _UPPER + r"][" + _LOWER
                     + r"]+)?|[" + _UPPER + r"]{2,}(?:-[" + _UPPER + r"]+)?)(?![\w])")
# The prefilter: a street word's ending right before ' <digit>', or a postal code before a capital.
# Found as ' <digit>' (a literal the regex engine skips to) and a look at the letters before it.
_SPACE_DIGIT = re.compile(r"[ ](?=\d)")
_STREET_END = re.compile(_STREET_STEMS + r"[" + _LOWER + r"]{0,5}\Z")
_STREET_END_MAX = 9 + 5       # the longest stem (puistikko, bulevardi, esplanadi) and five letters
_POSTAL_PREFILTER = re.compile(r"\d{5}[ ][" + _UPPER + "]")


@lru_cache(maxsize=65536)
def _street_end(before: str) -> bool:
    return _STREET_END.search(before) is not None


def _maybe_address(t: str) -> bool:
    """As `STEM[a-zåäöüé]{0,5} <digit>` or `<5 digits> <capital>` would, faster."""
    for m in _SPACE_DIGIT.finditer(t):
        p = m.start()
        if _street_end(t[max(0, p - _STREET_END_MAX):p]):
            return True
    return _POSTAL_PREFILTER.search(t) is not None


def _addresses(view: View) -> list[tuple[int, int]]:
    t = view.text
    if not _maybe_address(t):
        return []
    out = []
    for m in _ADDRESS.finditer(t):
        word = m.group(1).lower()
        if word.startswith(_STREET_EXCLUDE[:7]) or word in _STREET_EXCLUDE or _NOT_A_SQUARE.search(word):
            continue
        if not re.search(r"(?:katu|kadu|tie|kuja|polku|polu|väylä|kaari|kaare|kaarre|rinne|rintee|raitti|raiti"
                         r"|tori|aukio|tanhua|puistikko|bulevardi|esplanadi|vägen|gatan|gränd|stigen|backen"
                         r"|torget|kujanne)", word):
            # weaker street words (…piha, …ranta, …mäki, …portti) need a postal code or a staircase
            tail = t[m.end("num"):m.end()]
            if not tail.strip():
                continue
        out.append((m.start(), m.end()))
    for m in _POSTAL.finditer(t):
        pre = t[max(0, m.start() - 2):m.start()]
        if re.search(r"\d[ .,]$", pre):
            continue  # '12 34567 Oulu' – part of a grouped number
        if is_place(m.group(2)):
            out.append((m.start(), m.end()))
    return out


def find_addresses(text: str) -> list[Hit]:
    """Finnish (and Swedish-language) street addresses: a street word (…katu,
    …tie, …kuja, …polku, …väylä, …kaari, …rinne, …raitti, …tori, …vägen,
    …gatan, inflected too) with a house number, staircase/apartment
    (``B 34``, ``as. 4``) and postal code and place; also a postal code
    followed by a place name (``90100 Oulu``)."""
    v = prep(text)
    return mapped(v, ADDRESS, _addresses(v))

