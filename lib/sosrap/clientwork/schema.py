"""The export schemas: the fields of a phenomenon-report export and of a survey
export (built from the edition's questions), the words read as yes and no, and
the error raised when a file cannot be used at all."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sosrap.errors import SosrapError
from sosrap.params import ClientWork

Kind = Literal["id", "date", "code", "codes", "text", "int", "bool", "likert"]


class IngestError(SosrapError):
    """The file cannot be used at all (unreadable, missing columns, no usable rows)."""


@dataclass(frozen=True)
class FieldSpec:
    """One column of an export schema."""
    name: str                 # column name in the cleaned data
    heading: str              # Finnish heading in the template and the default export
    heading_en: str
    kind: Kind
    required: bool
    codes: str | None = None  # name of the code list in params.client_work
    doc_fi: str = ""
    doc_en: str = ""


PHENOMENON_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "Tunniste", "ID", "id", True, doc_fi="Ilmoituksen yksilöivä tunniste (ei asiakkaan tunniste).",
              doc_en="Unique id of the report (never a client identifier)."),
    FieldSpec("date", "Päivämäärä", "Date", "date", True, doc_fi="Ilmoituspäivä muodossa p.k.vvvv (esim. 5.3.2025).",
              doc_en="Date of the report, d.m.yyyy (e.g. 5.3.2025); ISO yyyy-mm-dd also accepted."),
    FieldSpec("service_area", "Palvelualue", "Service area", "code", True, codes="service_areas",
              doc_fi="Ilmoittajan palvelualue (koodi tai nimi koodistosta).",
              doc_en="Reporter's service area (code or label from the code list)."),
    FieldSpec("municipality", "Kunta", "Municipality", "text", False,
              doc_fi="Kunta, jota ilmiö koskee; tyhjä = koko alue.", doc_en="Municipality concerned; empty = whole county."),
    FieldSpec("categories", "Ilmiöluokka", "Phenomenon category", "codes", True, codes="categories",
              doc_fi="Yksi tai useampi ilmiöluokka koodistosta, erottimena ; tai |. Ensimmäinen on pääluokka.",
              doc_en="One or more categories from the code list, separated by ; or |. The first is the main one."),
    FieldSpec("age_groups", "Ikäryhmä", "Age group", "codes", False, codes="age_groups",
              doc_fi="Kohderyhmän ikäryhmä(t).", doc_en="Age group(s) affected."),
    FieldSpec("household_types", "Kotitaloustyyppi", "Household type", "codes", False, codes="household_types",
              doc_fi="Kohderyhmän kotitaloustyyppi (tai -tyypit).", doc_en="Household type(s) affected."),
    FieldSpec("description", "Kuvaus", "Description", "text", True,
              doc_fi="Ilmiön kuvaus vapaana tekstinä. Älä kirjoita nimiä, henkilötunnuksia tai yhteystietoja.",
              doc_en="Free-text description. Do not write names, identity codes or contact details."),
    FieldSpec("clients_affected", "Arvio asiakasmäärästä", "Estimated clients affected", "int", False,
              doc_fi="Arvio siitä, kuinka monta asiakasta ilmiö koskee (kokonaisluku).",
              doc_en="Estimated number of clients affected (whole number)."),
    FieldSpec("suggested_action", "Toimenpide-ehdotus", "Suggested action", "text", False,
              doc_fi="Ehdotettu toimenpide ja kenelle se on osoitettu.", doc_en="Suggested action and to whom."),
    FieldSpec("action_type", "Toimenpiteen tyyppi", "Action type", "code", False, codes="action_types",
              doc_fi="Toimenpide-ehdotuksen tyyppi koodistosta (yhteenvetoja varten).",
              doc_en="Type of the suggested action (for summaries)."),
    FieldSpec("quote_ok", "Lainauslupa", "Quoting approved", "bool", False,
              doc_fi="Saako kuvausta lainata raportissa (kyllä/ei). Tyhjä = ei. Lupa koskee vain kuvausta, "
                     "ei toimenpide-ehdotusta.",
              doc_en="May the description be quoted in the report (yes/no). Empty = no. Covers the description "
                     "only, not the suggested action."),
)

# What each consent field covers, and nothing else: only these fields are quote candidates.
PHENOMENON_CONSENT: dict[str, tuple[str, ...]] = {"quote_ok": ("description",)}
# The reviewed quotes' approvals, in the private folder of the exports (clientwork.quotes).
APPROVALS_FILE = "lainaushyvaksynnat.csv"

SURVEY_BASE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "Vastaustunniste", "Response ID", "id", True),
    FieldSpec("date", "Vastauspäivä", "Response date", "date", False),
    FieldSpec("respondent_group", "Vastaajaryhmä", "Respondent group", "code", True, codes="respondent_groups"),
    FieldSpec("service_area", "Palvelualue", "Service area", "code", False, codes="service_areas"),
    FieldSpec("municipality", "Kunta", "Municipality", "text", False),
    FieldSpec("age_group", "Ikäryhmä", "Age group", "code", False, codes="age_groups"),
)
SURVEY_QUOTE_FIELD = FieldSpec("quote_ok", "Lainauslupa", "Quoting approved", "bool", False,
                               doc_fi="Saako avoimia vastauksia lainata raportissa (kyllä/ei). Tyhjä = ei.",
                               doc_en="May the open answers be quoted in the report (yes/no). Empty = no.")

YES_WORDS: frozenset[str] = frozenset({"kyllä", "kylla", "k", "yes", "y", "x", "1", "true", "tosi", "ja", "on"})
NO_WORDS: frozenset[str] = frozenset({"ei", "e", "no", "n", "0", "false", "epätosi", "nej", "off", ""})


def survey_fields(cw: ClientWork) -> list[FieldSpec]:
    """The base fields, one per Likert item and open question, and the quoting permission."""
    fields = list(SURVEY_BASE_FIELDS)
    for q in cw.likert_items:
        fields.append(FieldSpec(q.code, q.column or q.text, q.code, "likert", False))
    for q in cw.open_questions:
        fields.append(FieldSpec(q.code, q.column or q.text, q.code, "text", False))
    fields.append(SURVEY_QUOTE_FIELD)
    return fields


def survey_consent(cw: ClientWork) -> dict[str, tuple[str, ...]]:
    """The survey's consent field covers its open answers."""
    return {SURVEY_QUOTE_FIELD.name: tuple(q.code for q in cw.open_questions)}
