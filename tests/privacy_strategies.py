"""Hypothesis strategies that plant personal data, with every obfuscation the
audit found, inside Finnish sentences; and helpers to check coverage."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import phonenumbers
from hypothesis import strategies as st

from sosrap.privacy.detect import find_all
from sosrap.privacy.normalise import normalise

CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CF_CHARS = ["\u200b", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202a", "\u200c", "\u200d"]
DASH_VARIANTS = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\ufe63", "\uff0d", "\u2212"]


# ---------------------------------------------------------------------------
# coverage helpers
# ---------------------------------------------------------------------------

def planted(pre: str, item: str, post: str):
    """(text, normalised text, [start, end) of the item in it)."""
    text = pre + item + post
    norm = normalise(text)
    npre, nitem = normalise(pre), normalise(item)
    assert norm.startswith(npre + nitem), (text, norm)
    return text, norm, len(npre), len(npre) + len(nitem)


def uncovered(norm: str, start: int, end: int, hits, kinds=None, only=str.isalnum) -> str:
    """The alphanumeric characters of norm[start:end] that no hit (of *kinds*) covers."""
    cov = [False] * len(norm)
    for h in hits:
        if kinds is None or h.kind in kinds:
            for i in range(h.start, h.end):
                cov[i] = True
    return "".join(norm[i] for i in range(start, end) if only(norm[i]) and not cov[i])


def assert_detected(pre, item, post, kinds, only=str.isalnum, **kw):
    text, norm, a, b = planted(pre, item, post)
    hits = find_all(text, **kw)
    miss = uncovered(norm, a, b, hits, kinds, only)
    assert not miss, f"not covered {miss!r} in {norm[a:b]!r}; text={text!r}; hits={hits}"
    return hits


# ---------------------------------------------------------------------------
# sentences
# ---------------------------------------------------------------------------

PREFIXES = ["", "Asiakas kertoi, että ", "Havainto koskee erityisesti useita asiakkaita. ",
            "Toimeentulotuen käsittelyajat venyvät ja ", "Vuonna 2024 ", "Lisätietoja: ",
            "Kotikäynnillä 12.3.2024 todettiin, että ", "(", "Liitteessä mainittiin ",
            "Sosiaaliohjaaja kirjasi: ", "\n", "- ", "| "]
SUFFIXES = ["", ".", " näkyi liitteessä.", ", ja asia siirrettiin eteenpäin.", ")", " – tarkistettava.",
            "\n", " |", "; 12 345 asiakasta."]


def sentence(item_strategy):
    return st.tuples(st.sampled_from(PREFIXES), item_strategy, st.sampled_from(SUFFIXES))


# ---------------------------------------------------------------------------
# identity codes
# ---------------------------------------------------------------------------

@st.composite
def hetu_parts(draw):
    d = draw(st.dates(min_value=dt.date(1860, 1, 1), max_value=dt.date(2025, 12, 31)))
    if d.year < 1900:
        sign = "+"
    elif d.year < 2000:
        sign = draw(st.sampled_from("-YXWVU"))
    else:
        sign = draw(st.sampled_from("ABCDEF"))
    nnn = draw(st.integers(2, 999))
    ddmmyy = d.strftime("%d%m") + f"{d.year % 100:02d}"
    q = CHECK[int(ddmmyy + f"{nnn:03d}") % 31]
    return ddmmyy, sign, f"{nnn:03d}", q


HETU_VARIANTS = ["plain", "cf", "dash", "omit", "spaced", "O", "emph", "entity", "wrongcheck", "lower",
                 "linebreak", "glued"]


@st.composite
def obfuscated_hetu(draw):
    ddmmyy, sign, nnn, q = draw(hetu_parts())
    variants = set(draw(st.lists(st.sampled_from(HETU_VARIANTS), min_size=1, max_size=3)))
    if "omit" in variants:
        variants -= {"wrongcheck", "linebreak", "glued"}
    if "spaced" in variants:
        variants -= {"O", "linebreak", "glued"}
    if "wrongcheck" in variants:
        q = draw(st.sampled_from([c for c in CHECK if c != q]))
    if "dash" in variants and sign == "-":
        sign = draw(st.sampled_from(DASH_VARIANTS))
    if "omit" in variants:
        sign = ""
    parts = [ddmmyy, sign, nnn + q]
    if "linebreak" in variants and sign:
        parts = [ddmmyy, sign + "\n", nnn + q]
    if "emph" in variants and "spaced" not in variants:
        style = draw(st.sampled_from(["**{}**", "*{}*", "`{}`", "__{}__"]))
        which = draw(st.integers(0, 2))
        if which == 0:
            parts[0] = style.format(parts[0])
        elif which == 1 and "omit" not in variants:
            code = "".join(parts)
            parts = [style.format(code), "", ""]
        else:
            parts[2] = style.format(parts[2])
    code = "".join(parts)
    if "spaced" in variants:
        code = " ".join(c for c in code if c != " ")
    if "lower" in variants:
        code = code.lower()
    if "O" in variants:
        code = code.replace("0", draw(st.sampled_from("Oo")))
    if "entity" in variants:
        digits = [i for i, c in enumerate(code) if c.isdigit()]
        if digits:
            i = draw(st.sampled_from(digits))
            ent = draw(st.sampled_from(["&#{};", "&#x{:x};", "&amp;#{};"])).format(ord(code[i]))
            code = code[:i] + ent + code[i + 1:]
    if "cf" in variants:
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(code)))
            code = code[:i] + draw(st.sampled_from(CF_CHARS)) + code[i:]
    return code, ("glued" in variants)


# ---------------------------------------------------------------------------
# phones
# ---------------------------------------------------------------------------

MOBILE_PREFIXES = ["40", "41", "42", "44", "45", "46", "50"]
AREA_CODES = ["2", "3", "5", "6", "8", "9", "13", "14", "15", "16", "17", "19"]


def _valid(e164: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return False


@st.composite
def fi_number(draw):
    """(national significant number, is_mobile) of a valid Finnish number."""
    mobile = draw(st.booleans())
    if mobile:
        nsn = draw(st.sampled_from(MOBILE_PREFIXES)) + draw(st.text("0123456789", min_size=7, max_size=7))
    else:
        area = draw(st.sampled_from(AREA_CODES))
        nsn = area + draw(st.sampled_from("123456789")) + draw(st.text("0123456789", min_size=5, max_size=6))
    from hypothesis import assume
    assume(_valid("+358" + nsn))
    return nsn, mobile, (nsn[:2] if mobile else None)


def _split_mobile(nsn: str):
    return nsn[:2], nsn[2:5], nsn[5:]


@st.composite
def phone_text(draw):
    nsn, mobile, _ = draw(fi_number())
    a, b, c = _split_mobile(nsn) if mobile else (nsn[:len(nsn) - 7] or nsn[:1], nsn[len(nsn) - 7:len(nsn) - 4],
                                                 nsn[len(nsn) - 4:])
    if not mobile:
        # area code, then the subscriber number split in two
        area = next(ac for ac in sorted(AREA_CODES, key=len, reverse=True) if nsn.startswith(ac))
        sub = nsn[len(area):]
        a, b, c = area, sub[:3], sub[3:]
    forms = [
        f"0{a} {b} {c}", f"0{a}{b}{c}", f"0{a}-{b}{c}", f"0{a}-{b} {c}", f"0{a}.{b}.{c}", f"0{a}/{b}{c}",
        f"0{a}\u2013{b}{c}", f"0{a} \u2013 {b} {c}", f"+358 {a} {b} {c}", f"+358{a}{b}{c}", f"00358 {a} {b} {c}",
        f"358{a}{b}{c}", f"+358 (0){a} {b} {c}", f"puh.0{a}{b}{c}", f"puh. 0{a} {b} {c}", f"p. 0{a} {b}{c}",
        f"(0{a}) {b} {c}", f"+358-{a}-{b}{c}", f"tel:+358{a}{b}{c}",
    ]
    if mobile:
        forms.append(f"{a}{b}{c}")  # the spreadsheet dropped the leading zero
    form = draw(st.sampled_from(forms))
    if draw(st.booleans()):
        i = draw(st.integers(1, len(form) - 1))
        form = form[:i] + draw(st.sampled_from(CF_CHARS)) + form[i:]
    return form


@st.composite
def foreign_phone(draw):
    kind = draw(st.sampled_from(["se", "ee", "no", "de"]))
    if kind == "se":
        n = "7" + draw(st.sampled_from("02369")) + draw(st.text("0123456789", min_size=7, max_size=7))
        s = f"+46 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}"
        e = "+46" + n
    elif kind == "ee":
        n = "5" + draw(st.text("0123456789", min_size=7, max_size=7))
        s = f"+372 {n[:4]} {n[4:]}"
        e = "+372" + n
    elif kind == "no":
        n = draw(st.sampled_from("49")) + draw(st.text("0123456789", min_size=7, max_size=7))
        s = f"+47 {n[:3]} {n[3:5]} {n[5:]}"
        e = "+47" + n
    else:
        n = "15" + draw(st.text("0123456789", min_size=9, max_size=9))
        s = f"+49 {n[:3]} {n[3:]}"
        e = "+49" + n
    from hypothesis import assume
    assume(_valid(e))
    return s


# ---------------------------------------------------------------------------
# e-mail
# ---------------------------------------------------------------------------

LOCALS = ["etunimi", "etunimi.sukunimi", "matti.meikalainen", "e07.virtanen", "m.mehilainen", "liisa_k",
          "anna-liisa.korhonen", "tuija.jarvinen2", "asiakas+palaute"]
DOMAINS = [("example", "fi"), ("ouka", "fi"), ("pohde", "fi"), ("gmail", "com"), ("sub.example", "org"),
           ("hyvinvointialue-x", "fi")]


@st.composite
def email_text(draw):
    local = draw(st.sampled_from(LOCALS))
    dom, tld = draw(st.sampled_from(DOMAINS))
    style = draw(st.sampled_from(["plain", "at_dot", "br_at_dot", "paren_at", "brace_at", "fullwidth",
                                  "notld", "spaced_at", "upper", "br_at", "piste"]))
    if style == "plain":
        s = f"{local}@{dom}.{tld}"
    elif style == "at_dot":
        s = f"{local} at {dom.replace('.', ' dot ')} dot {tld}"
    elif style == "br_at_dot":
        s = f"{local} [at] {dom.replace('.', ' [dot] ')} [dot] {tld}"
    elif style == "paren_at":
        s = f"{local}(at){dom}.{tld}"
    elif style == "brace_at":
        s = f"{local}{{at}}{dom}.{tld}"
    elif style == "fullwidth":
        s = f"{local}\uff20{dom}.{tld}"
    elif style == "notld":
        s = f"{local}@{dom.split('.')[0]}"
    elif style == "spaced_at":
        s = f"{local} @ {dom}.{tld}"
    elif style == "br_at":
        s = f"{local}[at]{dom}.{tld}"
    elif style == "piste":
        s = f"{local} (at) {dom.replace('.', ' (piste) ')} (piste) {tld}"
    else:
        s = f"{local}@{dom}.{tld}".upper()
    return s


# ---------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------

FIRST_NAMES = ["Matti", "Liisa", "Jukka", "Aino", "Juho", "Anna-Liisa", "Pekka", "Sanna", "Mikko", "Kaisa",
               "Heikki", "Tuula", "Jussi", "Riitta", "Timo", "Päivi", "Teemu", "Minna", "Ville", "Johanna",
               "Eveliina", "Marja-Leena", "Kalle", "Pirjo", "Teppo", "Jaana", "Antti", "Leena"]
SURNAMES = ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Heikkinen", "Koskinen", "Järvinen", "Lehtonen",
            "Saarinen", "Salminen", "Hämäläinen", "Laine", "Heinonen", "Kinnunen", "Lahtinen", "Turunen",
            "Virtanen-Korhonen", "Karjalainen", "Jokinen", "Rantanen", "Pitkänen", "Huttunen"]
# ambiguous with common words: only on the private list, or in pairs
AMBIGUOUS = ["Toivo", "Onni", "Usko", "Laine", "Aalto", "Kivi", "Mäki", "Salo", "Lahti", "Helmi", "Satu",
             "Tuuli", "Meikäläinen"]

_CASE_ENDINGS = ["", "n", "a", "ä", "lla", "llä", "lle", "lta", "ltä", "ssa", "ssä", "sta", "stä", "ksi", "na",
                 "nä", "han", "hen", "hin", "hon", "hun", "ta", "tä", "en", "itten"]
_CLITICS = ["", "kin", "kaan", "kään", "han", "hän", "ko", "kö"]


def _stems(name: str) -> list[str]:
    low = name
    out = {low}
    if low.endswith("nen"):
        out |= {low[:-3] + "se", low[:-3] + "s"}
    for a, b in (("kk", "k"), ("tt", "t"), ("pp", "p"), ("nt", "nn"), ("lt", "ll"), ("k", ""), ("t", "d"),
                 ("p", "v")):
        i = low.rfind(a)
        if i > 0 and i >= len(low) - 4:
            out.add(low[:i] + b + low[i + len(a):])
    if low[-1] in "ei":
        out.add(low[:-1] + "e")
    if low.endswith("e"):
        out.add(low + "e")
    return sorted(out)


@lru_cache(maxsize=None)
def inflected_forms(name: str) -> tuple[str, ...]:
    """Inflected forms of *name* that Voikko recognises as this name."""
    from sosrap.privacy.names import _analyse
    if "-" in name:
        head, tail = name.rsplit("-", 1)
        return tuple(head + "-" + f for f in inflected_forms(tail))
    forms = set()
    for stem in _stems(name):
        for e in _CASE_ENDINGS:
            w = stem + e
            if any(b.lower() == name.lower() for c, b in _analyse(w)):
                forms.add(w)
    return tuple(sorted(forms))


@lru_cache(maxsize=None)
def clitic_forms(name: str) -> tuple[str, ...]:
    from sosrap.privacy.names import _analyse
    out = set()
    for f in inflected_forms(name)[:8]:
        for c in _CLITICS:
            w = f + c
            probe = w.rsplit("-", 1)[-1]
            if _analyse(probe):
                out.add(w)
    return tuple(sorted(out))


MID_TEMPLATES = [
    "Tapasin eilen {x} ja hänen lapsensa.",
    "Asiakas {x} kertoi tilanteesta.",
    "Puhelu tuli {x} aamulla.",
    "Sovimme, että {x} ottaa yhteyttä.",
    "Kotikäynnillä oli paikalla myös {x}, joka toimii omaishoitajana.",
    "Viesti välitettiin {x} kautta.",
    "Havainto koskee erityisesti {x} perhettä.",
]
INITIAL_TEMPLATES = [
    "{x} kertoi, että tuki myöhästyi.",
    "Huomio. {x} soitti uudelleen.",
    "- {x} ei päässyt vastaanotolle",
    "| {x} | 3 |",
]
