"""The wording catalogues (issue 15): one per language, the same keys and placeholders in each,
every key the code asks for present, and Swedish key figures that are Swedish through and through."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from sosrap.indicators import keyfigures, stats
from sosrap.report import fmt, wording as W
from support import ROOT, WORD, demo_table, finnish_only_words

NB = "\u00a0"
LIB = ROOT / "lib" / "sosrap"


def test_catalogues_have_the_same_keys_and_placeholders():
    fi, sv = W.catalogue("fi"), W.catalogue("sv")
    assert set(fi) == set(sv), f"only in fi: {sorted(set(fi) - set(sv))}; only in sv: {sorted(set(sv) - set(fi))}"
    differ = {k: (W.placeholders(fi[k]), W.placeholders(sv[k])) for k in fi
              if W.placeholders(fi[k]) != W.placeholders(sv[k])}
    assert not differ, differ
    assert all(v.strip() or k.endswith(("none", "unknown")) for k, v in {**fi, **sv}.items()), "empty texts"


def test_swedish_catalogue_is_translated():
    """Every Swedish text differs from the Finnish one, except the few that are language-neutral."""
    fi, sv = W.catalogue("fi"), W.catalogue("sv")
    same = sorted(k for k in fi if fi[k] == sv[k])
    assert same == ["cw.month_date", "tbl.sotkanet_id"]
    assert len(finnish_only_words()) > 300                       # the word list the build test uses is a real one


def _literal_keys(text: str) -> set[str]:
    return set(re.findall(r"\bt\(\s*[\"']([a-z_]+(?:\.[A-Za-z0-9_-]+)+)[\"']", text))


def _prefixes(text: str) -> set[str]:
    return set(re.findall(r"\bt\(\s*f[\"']([a-z_]+(?:\.[a-z_]+)*)\.\{", text))


def test_every_key_the_code_asks_for_exists():
    sources = [p.read_text(encoding="utf-8") for p in LIB.rglob("*.py")]
    sources += ["".join("".join(c["source"]) for c in json.loads(p.read_text(encoding="utf-8"))["cells"])
                for p in (ROOT / "notebooks").glob("*.ipynb")]
    keys = set().union(*(_literal_keys(s) for s in sources))
    prefixes = set().union(*(_prefixes(s) for s in sources))
    assert len(keys) > 150 and "kf.trend_word" in prefixes
    for lang in W.LANGUAGES:
        cat = W.catalogue(lang)
        assert not sorted(k for k in keys if k not in cat), lang
        assert not sorted(p for p in prefixes if not W.group(p, lang)), lang


def test_a_placeholder_without_a_value_and_an_unknown_key_fail():
    with pytest.raises(Exception, match="needs a value"):
        W.t("sec.first", year=2024)
    with pytest.raises(Exception, match="not in"):
        W.t("no.such.key")
    with pytest.raises(Exception, match="no wording catalogue"):
        W.catalogue("de")


def test_notebook_cells_keep_the_finnish_caption_as_quartos_fallback():
    """The static `#| tbl-cap:` / `#| fig-cap:` of a cell (what Quarto reads) is the Finnish catalogue's
    caption the cell passes to `show(caption=…)`, so the two never drift apart."""
    fi = W.catalogue("fi")
    seen = 0
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            src = "".join(cell["source"])
            opts = yaml.safe_load("\n".join(ln[3:] for ln in src.splitlines() if ln.startswith("#| "))) or {}
            cap = opts.get("tbl-cap") or opts.get("fig-cap")
            key = re.search(r"caption=t\(\"(nb\.[a-z_]+)\"\)", src)
            if cap:
                assert key, f"{nb.name} {opts.get('label')}: pass the caption from the catalogue to show()"
                assert fi[key.group(1)] == cap, f"{nb.name} {opts.get('label')}"
                seen += 1
    assert seen == 11


def test_swedish_number_words():
    with W.using("sv"):
        assert fmt.diff(0.4, "PROS", 1) == f"+0,4{NB}procentenheter"
        assert fmt.diff(-1.25, "PER1000", 1) == f"\u22121,3{NB}promilleenheter"
        assert fmt.percent(12.34) == f"12,3{NB}%" and fmt.per_mille(5.43) == f"5,4{NB}‰"
        assert fmt.number(24174) == f"24{NB}174"
        assert fmt.join(["Vasa", "Korsholm", "Jakobstad"]) == "Vasa, Korsholm och Jakobstad"
        assert fmt.unit_label("LKM") == "antal"
    assert fmt.join(["a", "b"]) == "a ja b" and fmt.diff(0.4, "PROS", 1) == f"+0,4{NB}%-yksikköä"
    assert W.current() == "fi"


@pytest.fixture(scope="module")
def swedish_figures() -> dict:
    with W.using("sv"):
        table = demo_table("demo-sv")
        figures = keyfigures.key_figures(table)
        return {"figures": figures, "summary": keyfigures.summary_figures(figures),
                "trends": keyfigures.trend_table(stats.add_rates(table), stats.trends(stats.add_rates(table))),
                "comparison": keyfigures.comparison_table(figures)}


def test_swedish_key_figures_are_swedish(swedish_figures):
    only = finnish_only_words()
    texts = [v for f in swedish_figures["figures"].values() for v in f.values()]
    texts += list(swedish_figures["summary"].values())
    for name in ("trends", "comparison"):
        df = swedish_figures[name]
        texts += [str(c) for c in df.columns] + [str(v) for v in df.to_numpy().ravel()]
    leaks = sorted({w for text in texts for w in WORD.findall(text) if w.lower() in only})
    assert not leaks, leaks
    f = swedish_figures["figures"]["toimeentulotuki"]
    assert f["area"] == "Österbottens välfärdsområde"
    assert f["title"] == "Personer som fått utkomststöd under året, % av befolkningen"
    assert re.fullmatch(rf"\d+,\d{NB}%", f["latest"]) and f["latest_ci_text"].startswith(f"95{NB}% konfidensintervall ")
    assert f["change_prev"].endswith(f"{NB}procentenheter")
    assert f["trend_word"] in ("stigande", "sjunkande", "ingen tydlig förändring")
    assert "än i hela landet" in f["vs_country"] or f["vs_country"] == "samma som i hela landet"
    assert f["rank_text"].startswith(("plats ", "delad plats ")) and "räknat från det högsta värdet" in f["rank_text"]
    rate_only = swedish_figures["figures"]["pienituloisuus"]
    assert rate_only["latest_ci_text"] == W.t("kf.ci_none", "sv") and rate_only["latest_count"] == "inte publicerat"
    assert swedish_figures["summary"]["menetelmat_kehitys"].startswith("Utvecklingens riktning")
    assert list(swedish_figures["comparison"].columns)[:4] == ["Indikator", "År", "Området", f"95{NB}% KI"]


def test_the_same_figures_in_finnish_are_unchanged():
    """The catalogue is the words the code had: Finnish key figures read as before."""
    f = keyfigures.key_figures(demo_table())["toimeentulotuki"]
    assert f["latest_ci_text"].startswith(f"95{NB}%:n luottamusväli ") and f["change_prev"].endswith("%-yksikköä")
    assert f["rank_text"].startswith(("sija ", "jaettu sija ")) and "suurimmasta alkaen" in f["rank_text"]


def test_one_switch_lang_file_name_and_shared_chapters():
    """`language:` decides `lang` (a different one in `_quarto.yml` is an error), the report's file
    name and the shared chapters it is composed from."""
    from sosrap.errors import SosrapError
    from sosrap.report import checks, staging as S
    checks.check_language({"lang": "sv"}, "reports/demo-sv/_quarto.yml", "demo-sv", "sv")
    checks.check_language({"lang": "sv-FI"}, "reports/demo-sv/_quarto.yml", "demo-sv", "sv")
    checks.check_language({}, "reports/demo-sv/_quarto.yml", "demo-sv", "sv")
    with pytest.raises(SosrapError, match="`lang: fi`.*`language: sv`"):
        checks.check_language({"lang": "fi"}, "reports/demo-sv/_quarto.yml", "demo-sv", "sv")
    assert S.report_basename("demo") == "sosiaalinen-raportti-demo"
    assert S.report_basename("demo-sv", "sv") == "social-rapport-demo-sv"
    reports = ROOT / "reports"
    assert S.shared_dir(reports / "demo-sv", "sv") == reports / "_shared-sv"
    files = S.source_files(reports / "demo-sv", "sv")
    assert files["index.qmd"] == reports / "_shared-sv/index.qmd"
    assert all(not p.is_relative_to(reports / "_shared") for p in files.values())


def test_catalogues_read_alike_with_libyaml_and_pyyaml():
    """`catalogue` parses with libyaml where PyYAML has it (faster); on the shipped catalogues both
    parsers must give the same data (they differ on some odd input, so people's YAML uses PyYAML)."""
    import yaml
    for lang in W.LANGUAGES:
        text = W.catalogue_file(lang).read_text(encoding="utf-8")
        assert yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) == yaml.safe_load(text), lang
