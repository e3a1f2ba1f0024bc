"""THE privacy gate that build and publish call, and how it reads each kind
of published file (:data:`AUDITS`, the extension point).

:func:`gate` audits every file before it is published, independently of what
screening did: the full detector set (identity codes, IBANs, e-mails, URLs,
IPs, phones, client numbers, birth dates, plates, addresses, names) over the
text each file publishes, plus the small-count check of protected tables.
Names are allowed only when public (the *allow* list: edition authors and
contributors, bibliography authors, ``metadata.public_names``; see
:mod:`sosrap.privacy.public`). A finding fails the gate and says *where*
(file, section, table id, line or page), never *what*.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from sosrap.privacy.audit_docx import audit_docx
from sosrap.privacy.audit_files import (BINARY_MIME, audit_chapter, audit_csv, audit_json, audit_notebook,
                                        audit_parquet, audit_pdf, audit_text, notebook_text)
from sosrap.privacy.audit_html import DATA_KINDS, REPORT_KINDS, audit_html
from sosrap.privacy.detect import KINDS, NAME, voikko_available
from sosrap.privacy.findings import Finding, PrivacyError, Rules
from sosrap.privacy.names import require_voikko
from sosrap.privacy.protected import ProtectedTable

__all__ = ["AUDITS", "SKIPPED", "gate", "scrub_notebooks", "audit_file", "audit_text", "audit_html", "audit_docx", "notebook_text",
           "REPORT_KINDS", "DATA_KINDS", "BINARY_MIME"]

_Audit = Callable[..., list[Finding]]


def _html(path: Path, name: str, *, protected, min_count, rules) -> list[Finding]:
    return audit_html(path, protected, min_count=min_count, require_protected=True, file=name, rules=rules)


def _svg(path: Path, name: str, *, rules, **_) -> list[Finding]:
    return audit_html(path, (), file=name, rules=rules)


def _docx(path: Path, name: str, *, protected, min_count, rules) -> list[Finding]:
    return audit_docx(path, protected, min_count=min_count, file=name, rules=rules)


def _plain(fn):
    return lambda path, name, *, rules, **_: fn(path, name, rules)


def _text(path: Path, name: str, *, rules, **_) -> list[Finding]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [Finding("unreadable", name, detail="not UTF-8 text and of no kind the gate can read: "
                                                   "it cannot be published unaudited")]
    return audit_text(text, file=name, rules=rules)


#: How the gate reads each kind of published file, by suffix. Any other file
#: is read as UTF-8 text, and one that is not text fails the gate, except the
#: pixel formats in :data:`SKIPPED` (their text, alt texts and the data behind
#: figures, is audited where it is published).
AUDITS: dict[str, _Audit] = {
    ".html": _html, ".htm": _html, ".svg": _svg, ".docx": _docx, ".pdf": _plain(audit_pdf),
    ".ipynb": _plain(audit_notebook), ".csv": _plain(audit_csv), ".parquet": _plain(audit_parquet),
    ".json": _plain(audit_json), ".qmd": _plain(audit_chapter), ".md": _plain(audit_chapter),
}
SKIPPED = frozenset((".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".woff", ".woff2", ".ttf", ".otf"))


def audit_file(path: Path, name: str, rules: Rules, *, protected: Sequence = (), min_count: int = 5
               ) -> list[Finding]:
    """The findings in one file, read by its suffix (see :data:`AUDITS`)."""
    suffix = path.suffix.lower()
    if suffix in SKIPPED:
        return []
    audit = AUDITS.get(suffix, _text)
    return audit(path, name, protected=protected, min_count=min_count, rules=rules)


def gate(files: Mapping[str, Path] | Sequence[Path], *, protected: Iterable[ProtectedTable | str],
         min_count: int, allow: Iterable[str], names: Iterable[str] = (), client_patterns: Iterable[str] = (),
         require_names: bool = True) -> None:
    """THE privacy gate: audit every file before it is published, and raise
    :class:`PrivacyError` listing the findings (file and place, never the
    value) if there is any. The build calls it on the rendered report and the
    staged chapters before moving the report into place, ``publish`` on every
    file of the release.

    *files* maps the name a finding shows to the file, or is a list of files
    (named by their file name). Each file is read by its suffix (see
    :data:`AUDITS`); HTML and DOCX also for small counts in the *protected*
    tables (an HTML file must contain every protected table). *allow* lists
    public values (people's names, contact details, URLs); *names* private
    names; *client_patterns* regexes for client numbers. Name detection needs
    Voikko: with *require_names* (an edition with client-work data) the gate
    fails closed without it, otherwise names are checked when Voikko is there.
    """
    kinds = KINDS
    if require_names:
        require_voikko()
    elif not voikko_available():
        kinds = tuple(k for k in KINDS if k != NAME)
    rules = Rules.of(list(names), list(allow), list(client_patterns), kinds)
    named = files.items() if isinstance(files, Mapping) else ((Path(p).name, p) for p in files)
    protected = list(protected)
    findings: list[Finding] = []
    for name, path in named:
        findings += audit_file(Path(path), name, rules, protected=protected, min_count=min_count)
    if findings:
        raise PrivacyError(findings)


def scrub_notebooks(folder: Path, **options) -> list[str]:
    """After a failed build: remove every executed notebook in *folder* whose
    outputs fail the audit (*options* as for :func:`gate`), so a failed build
    leaves no unscreened text behind. Returns the removed file names."""
    removed = []
    for nb in sorted(Path(folder).glob("*.ipynb")) if Path(folder).is_dir() else ():
        try:
            gate([nb], protected=(), **options)
        except Exception:     # findings; or unreadable (cut off mid-write), or no Voikko: remove all the same
            nb.unlink()
            removed.append(nb.name)
    return removed
