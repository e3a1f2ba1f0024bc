"""The privacy gate: everything that leaves the private area passes through here.

Client-work data is about social welfare clients. These keep a published
report from identifying anyone:

- :mod:`~sosrap.privacy.normalise`: the one normalised text that screening,
  rendering and the audit all see (NFKC, no invisible characters, entities
  decoded), and the detectors' view of it (dashes unified, emphasis dropped);
- :mod:`~sosrap.privacy.detect` over :mod:`~sosrap.privacy.numbers`,
  :mod:`~sosrap.privacy.contacts`, :mod:`~sosrap.privacy.addresses` and
  :mod:`~sosrap.privacy.names` (Voikko): where identifying text is (kinds and
  spans, never values), and its redaction;
- :mod:`~sosrap.privacy.screen`: screening free text (counts by kind only) and
  choosing quotes, only from approved rows and only after screening;
- :mod:`~sosrap.privacy.suppression`: small-count suppression, primary and
  complementary, checked exactly against the margins;
- :mod:`~sosrap.privacy.protected`: the tables a stage registers as protected;
- :mod:`~sosrap.privacy.audit` with :mod:`~sosrap.privacy.audit_html`,
  :mod:`~sosrap.privacy.audit_docx`, :mod:`~sosrap.privacy.audit_files` and
  :mod:`~sosrap.privacy.findings`: the audit of published files and
  :func:`gate`, the one privacy gate that build and publish call;
- :mod:`~sosrap.privacy.hygiene`: keyed digests of private inputs, private
  output paths, redacted values for messages;
- :mod:`~sosrap.privacy.public`: what the gate allows and looks for, from an
  edition's params (public names, private names, client-number patterns).

Import from here (``from sosrap import privacy``); the modules are the layout.
"""
from sosrap.privacy.audit import (AUDITS, DATA_KINDS, REPORT_KINDS, audit_docx, audit_file, audit_html, audit_text,
                                  gate, notebook_text, scrub_notebooks)
from sosrap.privacy.detect import (ADDRESS, BIRTH_DATE, CLIENT_NUMBER, EMAIL, FINDERS, IBAN, IDENTITY_CODE, IP,
                                   KIND_FI, KINDS, NAME, PHONE, PLACEHOLDER, PLATE, URL, Hit, NameIndex,
                                   VoikkoMissing, find_addresses, find_all, find_birth_dates, find_client_numbers,
                                   find_emails, find_ibans, find_identity_codes, find_ips, find_names, find_phones,
                                   find_plates, find_urls, is_identity_code, redact, require_voikko, screen,
                                   voikko_available)
from sosrap.privacy.normalise import detection_view, normalise
from sosrap.privacy.findings import NAME_HINT, Finding, PrivacyError, Rules
from sosrap.privacy.hygiene import KEY_FILE, private_digest, redacted, require_private
from sosrap.privacy.public import bibliography_names, gate_options, private_names, public_names, public_urls
from sosrap.privacy.protected import (DEFAULT_MARKER, DEFAULT_MIN_COUNT, PROTECTED_FILE, ProtectedTable,
                                     load_protected, register_protected)

#: names of the modules that need NumPy and pandas, imported when first used: the gate itself
#: (audit, detect, protected tables) needs neither, and a build's gate would spend half a second
#: of CPU importing them in the build process (issue #16)
_LAZY = {**dict.fromkeys(("ScreeningReport", "screen_frame", "screen_series", "screen_text", "select_quotes"),
                         "sosrap.privacy.screen"),
         **dict.fromkeys(("TOTAL_LABEL", "SuppressedTable", "determined_cells", "hide_small_rates", "suppress",
                          "suppression_note"), "sosrap.privacy.suppression")}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    # normalise, detect
    "normalise", "detection_view",
    "IDENTITY_CODE", "PHONE", "EMAIL", "NAME", "ADDRESS", "IBAN", "PLATE", "CLIENT_NUMBER", "BIRTH_DATE", "URL",
    "IP", "KINDS", "PLACEHOLDER", "KIND_FI", "Hit", "FINDERS", "NameIndex", "VoikkoMissing", "voikko_available",
    "require_voikko", "is_identity_code", "find_identity_codes", "find_phones", "find_emails", "find_names",
    "find_addresses", "find_ibans", "find_plates", "find_birth_dates", "find_urls", "find_ips",
    "find_client_numbers", "find_all", "redact", "screen",
    # screen
    "ScreeningReport", "screen_text", "screen_series", "screen_frame", "select_quotes",
    # suppression
    "DEFAULT_MIN_COUNT", "DEFAULT_MARKER", "TOTAL_LABEL", "SuppressedTable", "suppress", "determined_cells",
    "hide_small_rates", "suppression_note",
    # hygiene
    "KEY_FILE", "private_digest", "require_private", "redacted",
    # public
    "public_names", "public_urls", "private_names", "bibliography_names", "gate_options",
    # protected
    "PROTECTED_FILE", "ProtectedTable", "register_protected", "load_protected",
    # audit
    "Finding", "PrivacyError", "Rules", "NAME_HINT", "REPORT_KINDS", "DATA_KINDS", "AUDITS", "audit_text",
    "audit_html", "audit_docx", "audit_file", "notebook_text", "gate", "scrub_notebooks",
]
