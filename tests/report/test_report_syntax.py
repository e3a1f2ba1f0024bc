"""Report sources use Quarto's syntax only, plus the shortcodes the project's
Quarto extension (lib/sosrap/report/_extensions/sosrap/_extension.yml, staged
into every report project as _extensions/sosrap/) declares: a report must
render the same under real Quarto as under sosrap's pandoc engine."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from sosrap.report import staging
from support import ROOT

#: Quarto's built-in shortcodes (https://quarto.org/docs/authoring/shortcodes.html)
QUARTO_SHORTCODES = {"include", "var", "meta", "env", "embed", "pagebreak", "video", "kbd", "lipsum",
                     "placeholder", "version", "contents"}
#: Quarto's callout types and the div attributes Quarto reads on them
CALLOUT_CLASSES = {f"callout-{t}" for t in ("note", "tip", "warning", "caution", "important")}
CALLOUT_ATTRIBUTES = {"title", "icon", "appearance", "collapse"}

SHORTCODE = re.compile(r"\{\{<\s*([\w-]+)")
FENCED_DIV = re.compile(r"^:::+\s*(\{[^}]*\}|[\w-]+)\s*$", re.M)
ATTR_ITEM = re.compile(r"""#([\w-]+)|\.([\w-]+)|([\w-]+)=("[^"]*"|'[^']*'|\S+)""")


def extension_shortcodes() -> set[str]:
    manifest = yaml.safe_load((staging.EXTENSION / "_extension.yml").read_text(encoding="utf-8"))
    return {str(s).removesuffix(".lua") for s in (manifest.get("contributes", {}).get("shortcodes") or [])}


def report_sources() -> list[Path]:
    return sorted((ROOT / "reports").rglob("*.qmd"))


def problems(text: str, allowed_shortcodes: set[str]) -> list[str]:
    found = [f"shortcode '{name}' is neither Quarto's nor declared by _extensions/sosrap"
             for name in SHORTCODE.findall(text) if name not in allowed_shortcodes]
    for m in FENCED_DIV.finditer(text):
        spec = m.group(1)
        if not spec.startswith("{"):
            if spec not in CALLOUT_CLASSES:
                found.append(f"div '::: {spec}' is not a Quarto callout")
            continue
        classes = [c for _, c, _, _ in ATTR_ITEM.findall(spec) if c]
        attrs = [k for _, _, k, _ in ATTR_ITEM.findall(spec) if k]
        is_callout = any(c in CALLOUT_CLASSES for c in classes)
        for c in classes:
            if c.startswith("callout") and c not in CALLOUT_CLASSES:
                found.append(f"unknown callout class .{c}")
        for k in attrs:
            if is_callout and k not in CALLOUT_ATTRIBUTES:
                found.append(f"attribute {k}= is not one Quarto reads on a callout")
    return found


def test_report_sources_use_quarto_syntax_plus_declared_extension() -> None:
    allowed = QUARTO_SHORTCODES | extension_shortcodes()
    sources = report_sources()
    assert sources, "no report sources found under reports/"
    bad = {str(p.relative_to(ROOT)): errs for p in sources
           if (errs := problems(p.read_text(encoding="utf-8"), allowed))}
    assert not bad, bad


def test_the_check_catches_non_quarto_syntax() -> None:
    allowed = QUARTO_SHORTCODES | extension_shortcodes()
    assert problems("{{< sosrap-figure x >}}\n", allowed)
    assert problems("::: {.callout-notice}\nx\n:::\n", allowed)
    assert problems("::: {.callout-note data-sosrap=1}\nx\n:::\n", allowed)
    assert not problems('{{< var a.b >}} {{< include "x y.qmd" >}}\n\n::: {.callout-tip title="T"}\nx\n:::\n', allowed)
