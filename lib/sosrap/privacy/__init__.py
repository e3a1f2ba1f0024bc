"""The privacy gate: everything that leaves the private area passes through here.

Client-work data is about social welfare clients. Four things keep a
published report from identifying anyone, one module each:

- :mod:`~sosrap.privacy.detect`: where identity codes, phone numbers, e-mail
  addresses and configured names are in a text (kinds and spans, never
  values), and their redaction;
- :mod:`~sosrap.privacy.screen`: screening free text (counts by kind only) and
  choosing quotes, only from approved rows and only after screening;
- :mod:`~sosrap.privacy.suppression`: small-count suppression, primary and
  complementary, checked exactly against the margins;
- :mod:`~sosrap.privacy.protected`: the tables a stage registers as protected;
- :mod:`~sosrap.privacy.audit` with :mod:`~sosrap.privacy.audit_docx` and
  :mod:`~sosrap.privacy.findings`: the audit of published files and
  :func:`gate`, the one privacy gate that build and publish call.

Import from here (``from sosrap import privacy``); the modules are the layout.
"""
from sosrap.privacy.audit import DATA_KINDS, REPORT_KINDS, audit_html, audit_text, gate, notebook_text
from sosrap.privacy.audit_docx import audit_docx
from sosrap.privacy.detect import (EMAIL, IDENTITY_CODE, KIND_FI, KINDS, NAME, PHONE, PLACEHOLDER, Hit, find_all,
                                   find_emails, find_identity_codes, find_names, find_phones, is_identity_code,
                                   names_pattern, redact)
from sosrap.privacy.findings import Finding, PrivacyError
from sosrap.privacy.protected import PROTECTED_FILE, ProtectedTable, load_protected, register_protected
from sosrap.privacy.screen import ScreeningReport, screen_frame, screen_series, screen_text, select_quotes
from sosrap.privacy.suppression import (DEFAULT_MARKER, DEFAULT_MIN_COUNT, TOTAL_LABEL, SuppressedTable,
                                        determined_cells, hide_small_rates, suppress, suppression_note)

__all__ = [
    # detect
    "IDENTITY_CODE", "PHONE", "EMAIL", "NAME", "KINDS", "PLACEHOLDER", "KIND_FI", "Hit", "is_identity_code",
    "find_identity_codes", "find_phones", "find_emails", "find_names", "names_pattern", "find_all", "redact",
    # screen
    "ScreeningReport", "screen_text", "screen_series", "screen_frame", "select_quotes",
    # suppression
    "DEFAULT_MIN_COUNT", "DEFAULT_MARKER", "TOTAL_LABEL", "SuppressedTable", "suppress", "determined_cells",
    "hide_small_rates", "suppression_note",
    # protected
    "PROTECTED_FILE", "ProtectedTable", "register_protected", "load_protected",
    # audit
    "Finding", "PrivacyError", "REPORT_KINDS", "DATA_KINDS", "audit_text", "audit_html", "audit_docx",
    "notebook_text", "gate",
]
