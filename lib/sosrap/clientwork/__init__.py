"""Client-work knowledge: phenomenon reports (ilmiöraportit) and residents'
voice (survey answers), from a form tool's export to the published pieces.

Modules, in the order data flows through them:

* `schema`    – the fields of each export (`FieldSpec`), yes/no words, `IngestError`
* `read`      – CSV/XLSX exports into raw cells (encodings, delimiters)
* `parse`     – value parsers: Finnish dates, decimal commas, whole numbers, yes/no, codes
* `validate`  – every row checked, rejects listed; `ingest_phenomena`, `ingest_survey`
* `templates` – blank XLSX/CSV templates with the Finnish headings
* `summaries` – count tables, co-occurrence, Likert summaries (aggregates only)
* `disclosure` – the disclosure-control plan of every count the chapters publish
* `publish`   – the client-work stage: tables through the plan, disclosure log, key figures
* `quotes`    – consented candidate quotes, the private review sheet, approvals bound to the text
* `figures`   – the stage's figures and their alt texts

Notebooks, the CLI and tests use this facade: `from sosrap import clientwork as C`.
"""
from sosrap.clientwork.schema import (NO_WORDS, PHENOMENON_FIELDS, SURVEY_BASE_FIELDS, SURVEY_QUOTE_FIELD,
                                      YES_WORDS, FieldSpec, IngestError, Kind, survey_fields)
from sosrap.clientwork.read import RawTable, is_blank, read_csv, read_export, read_xlsx
from sosrap.clientwork.parse import (code_lookup, field_parser, likert_scale_keys, norm, parse_bool, parse_code,
                                     parse_codes, parse_date, parse_int, parse_number)
from sosrap.clientwork.validate import (REJECT_COLUMNS, IngestResult, ingest_phenomena, ingest_survey,
                                        private_out_dir, validate_table, with_private_names, write_result)
from sosrap.clientwork.templates import template_headings, write_template
from sosrap.clientwork.summaries import (cooccurrence, crosstab, explode_codes, labels, likert_distribution,
                                         likert_summary, phenomena_counts)
from sosrap.clientwork.disclosure import build_plan, coarse_date
from sosrap.clientwork.publish import (DISCLOSURE_LOG, Published, StageData, StageOutputs, disclosure_log,
                                       key_figures, publish_tables, quotes_markdown, save_published, shown,
                                       stage_data, table_pairs, table_survey_groups, table_survey_items)
from sosrap.clientwork.quotes import (APPROVALS_FILE, REVIEW_SHEET, action_quotes, approvals_path, approved_quotes,
                                      candidates, phenomenon_quotes, record_approvals, resident_quotes,
                                      write_review_sheet)
from sosrap.clientwork.figures import alt_categories, alt_likert, figure_categories, figure_likert

__all__ = [
    # schema
    "Kind", "IngestError", "FieldSpec", "PHENOMENON_FIELDS", "SURVEY_BASE_FIELDS", "SURVEY_QUOTE_FIELD",
    "YES_WORDS", "NO_WORDS", "survey_fields",
    # read
    "RawTable", "is_blank", "read_csv", "read_xlsx", "read_export",
    # parse
    "parse_date", "parse_number", "parse_int", "parse_bool", "norm", "code_lookup", "parse_code", "parse_codes",
    "likert_scale_keys", "field_parser",
    # validate
    "REJECT_COLUMNS", "IngestResult", "validate_table", "with_private_names", "ingest_phenomena", "ingest_survey",
    "private_out_dir", "write_result",
    # templates
    "template_headings", "write_template",
    # summaries
    "labels", "explode_codes", "phenomena_counts", "crosstab", "cooccurrence", "likert_summary",
    "likert_distribution",
    # publish
    "build_plan", "coarse_date",
    "DISCLOSURE_LOG", "StageData", "stage_data", "shown", "table_pairs", "table_survey_items", "table_survey_groups", "quotes_markdown", "key_figures",
    "Published", "publish_tables", "disclosure_log", "StageOutputs", "save_published",
    # quotes
    "REVIEW_SHEET", "APPROVALS_FILE", "candidates", "approved_quotes", "approvals_path", "write_review_sheet",
    "record_approvals", "phenomenon_quotes", "action_quotes", "resident_quotes",
    # figures
    "figure_categories", "alt_categories", "figure_likert", "alt_likert",
]
