"""Personal names in Finnish text, by Finnish morphology: Voikko (Debian
``libvoikko1`` + ``voikko-fi``, PyPI ``libvoikko``) tags first names and
surnames in any inflected form; the private list and the public (allowed)
names are matched on lemmas. Without Voikko the detector refuses to run
(:class:`VoikkoMissing`): a gate that silently skipped names would pass them.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, NamedTuple, Pattern

from sosrap.errors import SosrapError
from sosrap.privacy.kinds import NAME, Hit, View, mapped, prep
from sosrap.privacy.normalise import normalise

_voikko = None
_voikko_error: str | None = None


def _get_voikko():
    global _voikko, _voikko_error
    if _voikko is None and _voikko_error is None:
        try:
            from libvoikko import Voikko
            _voikko = Voikko("fi")
        except Exception as e:  # libvoikko missing, or no Finnish dictionary
            _voikko_error = f"{type(e).__name__}: {e}"
    return _voikko


def voikko_available() -> bool:
    """True when Voikko and its Finnish dictionary can be loaded."""
    return _get_voikko() is not None


class VoikkoMissing(SosrapError):
    """Name detection needs Voikko; without it the gate fails closed."""


def require_voikko() -> None:
    """Raise :class:`VoikkoMissing` (naming what to install) unless Voikko works."""
    if _get_voikko() is None:
        raise VoikkoMissing(
            "the privacy gate cannot detect personal names: Voikko with its Finnish dictionary is not available "
            f"({_voikko_error}). Install the system packages libvoikko1 and voikko-fi (Debian/Ubuntu: "
            "`apt-get install libvoikko1 voikko-fi`) and the Python package libvoikko; a report with client-work "
            "data is not built without name detection")


@lru_cache(maxsize=200_000)
def _analyse(word: str) -> tuple[tuple[str, str], ...]:
    """(CLASS, BASEFORM) pairs for *word*; cached per token."""
    v = _get_voikko()
    if v is None:
        return ()
    try:
        res = v.analyze(word)
    except Exception:
        return ()
    return tuple(sorted({(a.get("CLASS", ""), a.get("BASEFORM", "")) for a in res}))


_NAME_CLASSES = frozenset(("etunimi", "sukunimi"))

# Case endings and clitics for names Voikko does not know (foreign names, rare surnames).
_CASES = ("", "n", "a", "ä", "ta", "tä", "na", "nä", "ksi", "ssa", "ssä", "sta", "stä", "lla", "llä", "lta",
          "ltä", "lle", "hin", "han", "hon", "hun", "hyn", "hän", "höön", "seen", "in", "ine", "ineen", "ineni",
          "tta", "ttä", "'n", "'a", "ia", "iä", "ja", "jä", "ien", "jen", "ille", "ilta", "illa", "issa", "ista",
          "ihin", "iksi", "ina", "ä")
_CLITICS = ("", "kin", "kaan", "kään", "han", "hän", "ko", "kö", "pa", "pä", "s")
_ENDINGS = frozenset(c + k for c in _CASES for k in _CLITICS)

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*(?::[^\W\d_]{1,6})?")
_INITIAL_MARK = frozenset(".!?:;|\n•#>")


class _Tok(NamedTuple):
    start: int
    end: int
    word: str          # without a ':ending' suffix
    cap: bool          # Capitalised (first letter upper, rest not all upper)
    initial: bool      # sentence-, line- or cell-initial


def _lemmas(word: str) -> frozenset[str]:
    """Lower-case lemma candidates of a word: itself and Voikko's base forms."""
    out = {word.lower()}
    for _, base in _analyse(word):
        if base:
            out.add(base.lower())
    if "-" in word:
        for part in word.split("-"):
            if part:
                out.add(part.lower())
                out.update(b.lower() for _, b in _analyse(part) if b)
    return frozenset(out)


def _lemma_set(entries: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for e in entries or ():
        for w in _WORD.findall(normalise(str(e))):
            w = w.split(":")[0]
            out.add(w.lower())
            cap = w[:1].upper() + w[1:].lower()
            out.update(b.lower() for _, b in _analyse(cap) if b)
            if "-" in w:
                out.update(p.lower() for p in w.split("-") if p)
    return frozenset(out)


class NameIndex:
    """Prepared private names and public (allowed) names, matched on lemmas.

    Build once per screening run: ``NameIndex(names, allow)``."""

    def __init__(self, names: Iterable[str] = (), allow: Iterable[str] = ()):
        self.names = _lemma_set(names)
        self.allow = _lemma_set(allow)
        self.prefixes = frozenset(n[:3] for n in self.names if n)
        self._listed_cache: dict[str, bool] = {}
        self._judged: dict[tuple, tuple] = {}

    def judged(self, tok) -> tuple:
        """`_judge` of a token, cached by what it depends on (the word, its case, whether it is initial)."""
        key = (tok.word, tok.cap, tok.initial)
        try:
            return self._judged[key]
        except KeyError:
            pass
        res = _judge(tok, self)
        if len(self._judged) < 200_000:
            self._judged[key] = res
        return res

    def listed(self, word: str) -> bool:
        if not self.names:
            return False
        try:
            return self._listed_cache[word]
        except KeyError:
            pass
        res = self._listed(word)
        if len(self._listed_cache) < 100_000:
            self._listed_cache[word] = res
        return res

    def _listed(self, word: str) -> bool:
        low = word.lower()
        if low[:3] not in self.prefixes and not (_lemmas(word) & self.names):
            return False
        if _lemmas(word) & self.names:
            return True
        for k in range(2, len(low)):
            if low[:k] in self.names and low[k:] in _ENDINGS:
                return True
        return False

    def allowed(self, word: str) -> bool:
        if not self.allow:
            return False
        if _lemmas(word) & self.allow:
            return True
        low = word.lower()
        for k in range(2, len(low)):
            if low[:k] in self.allow and low[k:] in _ENDINGS:
                return True
        return False


def make_index(names: Iterable[str] | NameIndex, allow: Iterable[str]) -> NameIndex:
    if not isinstance(names, NameIndex):
        return NameIndex(names, allow)
    if not allow:
        return names
    index = NameIndex((), ())
    index.names, index.prefixes, index._listed_cache = names.names, names.prefixes, names._listed_cache
    index.allow = names.allow | _lemma_set(allow)      # `judged` does not depend on allow: its cache is shared
    index._judged = names._judged
    return index


_NO_INFO = (False, False, False, False, False, False, False)
_CLITIC_ENDINGS = ("kaan", "kään", "kin", "han", "hän", "ko", "kö", "pa", "pä")


def _clitic_info(word: str, an) -> tuple | None:
    """Virtasenkin, Niemisenkin: Voikko adds a spurious '-kki' noun reading; the
    word without its clitic decides."""
    low = word.lower()
    for cl in _CLITIC_ENDINGS:
        if low.endswith(cl) and len(word) > len(cl) + 2:
            stem = _word_info(word[:-len(cl)])
            if stem[0] or (stem[1] and {b for _, b in _analyse(word[:-len(cl)])} & {b for _, b in an}):
                return stem
    return None


def _named_parts(parts: list[str]) -> tuple | None:
    """Every part of a hyphenated word is a name, and one surely is (Anna-Liisa)."""
    if not parts or not all(p[:1].isupper() for p in parts):
        return None
    infos = [_word_info(p) for p in parts]
    if all(i[1] for i in infos) and any(i[0] for i in infos):
        return (True, True, any(i[2] for i in infos), any(i[3] for i in infos), True, False, False)
    return None


def _hyphen_info(word: str) -> tuple:
    """A hyphenated word Voikko does not know: a name when every part is a name."""
    parts = [p for p in word.split("-") if p]
    named = _named_parts(parts)
    if named is not None:
        return named
    an = tuple(a for p in parts for a in _analyse(p))
    if not an:
        return _NO_INFO
    # a compound of known words (a place-name genitive + word, Jupyter-muistioita) is not a name
    place = any(c == "paikannimi" for c, _ in an)
    return (False, False, False, False, True, all(c == "paikannimi" for c, _ in an), place)


def _classes_info(an) -> tuple:
    classes = {c for c, _ in an}
    names = classes & _NAME_CLASSES
    sur = "sukunimi" in classes
    other = [(c, b) for c, b in an if c not in _NAME_CLASSES]
    strong = bool(names) and (not other or (sur and all(c == "laatusana" and b.endswith("nen") for c, b in other)))
    placeonly = bool(an) and classes == {"paikannimi"}
    if placeonly and all(b.endswith("nen") for _, b in an):
        # place names ending in -nen are nearly all surnames as well (Nieminen)
        return (False, True, False, True, True, False, True)
    return (strong, bool(names), "etunimi" in classes, sur, bool(an), placeonly, "paikannimi" in classes)


@lru_cache(maxsize=200_000)
def _word_info(word: str) -> tuple[bool, bool, bool, bool, bool, bool, bool]:
    """(strong, weak, first, surname, known, placeonly, place) for a capitalised word.

    strong: every reading is a first name or surname (or the only other
    readings are '-inen' adjectives, as in Mäkinen, Koskinen);
    weak: some reading is a name; first/surname: has such a reading;
    known: Voikko knows the word at all; placeonly: only place-name readings."""
    an = _analyse(word)
    clitic = _clitic_info(word, an)
    if clitic is not None:
        return clitic
    if not an and "-" in word:
        return _hyphen_info(word)
    return _classes_info(an)


def _is_initial(t: str, start: int) -> bool:
    """Sentence-initial: nothing but opening marks between the last boundary and the word."""
    i = start - 1
    while i >= 0 and t[i] in _OPENING:
        if t[i] in "#>|•" or (t[i] in "-*+" and (i == 0 or t[i - 1] == "\n")):
            break
        i -= 1
    return i < 0 or t[i] in _INITIAL_MARK or (t[i] in "-*+" and (i == 0 or t[i - 1] == "\n"))


def _tokens(t: str, prefixes: frozenset[str] = frozenset()) -> list[_Tok]:
    """Words that could be names: capitalised or ALL CAPS ones, and lower-case
    ones starting like a listed name (*prefixes*). Adjacent kept tokens are
    adjacent words exactly when the text between them is a single space."""
    toks = []
    present = _present(t, prefixes)
    for m in _token_re(present).finditer(t):
        w = m.group(0)
        if present and not w[0].isupper() and w[:3].lower() not in prefixes:
            continue
        start, end = m.span()
        if t.startswith(("- ", "-\n"), end):
            continue  # the first part of a suspended compound: 'Poisson- tai binomiregressio'
        word, cap = _shape(w)
        toks.append(_Tok(start, end, word, cap, _is_initial(t, start)))
    return toks


@lru_cache(maxsize=65536)
def _shape(w: str) -> tuple[str, bool]:
    """A token's word (without a ':ending') and whether it is Capitalised (not ALL CAPS)."""
    word = w.split(":")[0] if ":" in w else w
    return word, word[0].isupper() and not (len(word) > 1 and word.replace("-", "").isupper())


_UPPER_START = r"A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
_WORD_TAIL = r"[^\W\d_]*(?:[-'’][^\W\d_]+)*(?::[^\W\d_]{1,6})?"


@lru_cache(maxsize=64)
def _token_re(prefixes: frozenset[str]) -> Pattern:
    """Words starting with a capital letter, or (case-insensitively) like a listed name.
    Without prefixes the capital comes first and the no-letter-before check after it, so the
    regex engine can skip ahead to the next capital (several times faster)."""
    if not prefixes:
        return re.compile(r"[" + _UPPER_START + r"](?<![^\W\d_].)" + _WORD_TAIL)
    alts = "(?:[" + _UPPER_START + "]|(?i:" + "|".join(sorted(map(re.escape, prefixes))) + "))"
    return re.compile(r"(?<![^\W\d_])" + alts + _WORD_TAIL)


_FEW_PREFIXES = 64


def _present(t: str, prefixes: frozenset[str]) -> frozenset[str]:
    """The listed-name prefixes that may start a word of *t*: none when none occurs in it at all
    (a substring test per prefix; with a long list every prefix is kept)."""
    if not prefixes or len(prefixes) > _FEW_PREFIXES:
        return prefixes
    low = t.lower()
    return prefixes if any(p in low for p in prefixes) else frozenset()


_OPENING = frozenset(" \t\"'“”«»([{*-–—#>|•+")


def _cap_name(tok: _Tok, index: NameIndex) -> tuple[bool, tuple | None]:
    """A Capitalised word: listed, strong, or weak and not sentence-initial."""
    inf = _word_info(tok.word)
    listed = bool(index.names) and index.listed(tok.word)
    return listed or inf[0] or (inf[1] and not tok.initial), inf


def _caps_name(tok: _Tok, index: NameIndex) -> tuple[bool, tuple | None]:
    """ALL CAPS: judged as the title-cased word, strong readings only."""
    w = tok.word
    tw = "-".join(p[:1] + p[1:].lower() for p in w.split("-"))
    inf = _word_info(tw)
    if inf[0] or (inf[1] and not tok.initial and len(w) >= 4) or (index.names and index.listed(tw)):
        return True, inf
    return False, None


def _lower_name(tok: _Tok, index: NameIndex) -> bool:
    """Lower case (or ALL CAPS): only a listed name with no common-word reading."""
    w = tok.word
    if not index.names or not (w.lower()[:3] in index.prefixes or w.isupper()):
        return False
    probe = w if not w.isupper() else w[:1] + w[1:].lower()
    if not index.listed(probe):
        return False
    an = _analyse(probe.lower()) or _analyse(probe[:1].upper() + probe[1:].lower())
    return not an or all(c in _NAME_CLASSES for c, _ in an)


def _judge(tok: _Tok, index: NameIndex) -> tuple[bool, tuple | None]:
    """(is a name, word info or None) for one token on its own."""
    if len(tok.word) < 2:
        return False, None
    is_name, info = False, None
    if tok.cap:
        is_name, info = _cap_name(tok, index)
    elif len(tok.word) >= 3 and tok.word.replace("-", "").isupper():
        is_name, info = _caps_name(tok, index)
    if not tok.cap and not is_name:
        is_name = _lower_name(tok, index)
    return is_name, info


def _pair(a: _Tok, b: _Tok, ia: tuple, ib: tuple, a_named: bool, gap: str) -> bool:
    """First + Capitalised: a first name followed directly by a capitalised word
    (unlisted names too). A sentence-initial, ambiguous first name ('Toivo',
    'Matti') needs a second word that is no place or organisation-like word."""
    if not (a.cap and b.cap) or gap not in (" ", "\u00a0") or not ia[2] or len(b.word) < 2:
        return False
    if ia[0] or not a.initial or a_named:
        return not ib[5] or ib[3]
    return ib[3] or not ib[4] or not ib[6]


def names_in(view: View, index: NameIndex) -> list[tuple[int, int]]:
    """Name spans in the detection view (raises :class:`VoikkoMissing` without Voikko)."""
    require_voikko()
    t = view.text
    toks = _tokens(t, index.prefixes)
    judged = [index.judged(tok) for tok in toks]
    is_name = [j[0] for j in judged]
    info = [j[1] for j in judged]
    for k in range(len(toks) - 1):
        if info[k] is not None and info[k + 1] is not None and \
                _pair(toks[k], toks[k + 1], info[k], info[k + 1], is_name[k], t[toks[k].end:toks[k + 1].start]):
            is_name[k] = is_name[k + 1] = True
    out: list[tuple[int, int]] = []
    for k, tok in enumerate(toks):
        if is_name[k] and not index.allowed(tok.word):
            if out and t[out[-1][1]:tok.start] in (" ", "\u00a0", "-"):
                out[-1] = (out[-1][0], tok.end)
            else:
                out.append((tok.start, tok.end))
    return out


def find_names(text: str, names: Iterable[str] | NameIndex = (), allow: Iterable[str] = ()) -> list[Hit]:
    """Personal names.

    Policy (see NOTES.md): a word is a name when (1) its lemma is on the
    private *names* list (case-insensitive; lower-case only when the word has
    no common-word reading), (2) it is capitalised and every Voikko reading
    is a first name or surname (inflected, with clitics, hyphenated), (3) it
    is capitalised, not sentence-initial and some reading is a name
    (``Toivo``, ``Laine`` mid-sentence), or (4) it is part of a pair
    First + Capitalised (``Liisa Korhonen``, ``Jussi Närhi``). Words whose
    lemma is in *allow* are never names."""
    index = make_index(names, allow)
    v = prep(text)
    return mapped(v, NAME, names_in(v, index))


@lru_cache(maxsize=4096)
def is_place(word: str) -> bool:
    w = word if not word.isupper() else word[:1] + word[1:].lower()
    an = _analyse(w)
    if any(c == "paikannimi" for c, _ in an):
        return True
    if "-" in w:
        return any(c == "paikannimi" for p in w.split("-") for c, _ in _analyse(p[:1].upper() + p[1:].lower()))
    return False


