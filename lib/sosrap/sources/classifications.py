"""Reference data that ships with the project: municipalities, wellbeing
services counties and the municipality → county mapping.

Files in `data/reference/` (UTF-8 CSV, codes as text so leading zeros stay):

- `municipalities.csv`: municipality_code ("009"), name_fi, name_sv, county_code
- `wellbeing_counties.csv`: county_code ("19"; 90 Helsinki, 91 Åland), name_fi, name_sv, municipalities
- `reference.json`: classification ids, validity date, retrieval date, source URLs, licence

County codes are written without leading zeros, the way Sotkanet codes its
HYVINVOINTIALUE regions, so they join onto Sotkanet regions by (category, code).

`refresh()` (CLI: `sosrap fetch reference`) rebuilds them from the Statistics
Finland classification API; the data is CC BY 4.0, "Lähde: Tilastokeskus".
"""
from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:   # pandas and the HTTP client are imported where used: `county_rows` (every build) needs neither
    import pandas as pd

    from sosrap.sources.http import HttpClient

from sosrap.errors import FetchError, SosrapError
from sosrap.paths import AtomicDir, project_root

ENV_URL = "SOSRAP_CLASSIFICATIONS_URL"
DEFAULT_BASE_URL = "https://data.stat.fi/api/classifications/v2/"
LICENCE = "CC BY 4.0"
ATTRIBUTION_FI = "Lähde: Tilastokeskus, kuntaluokitus ja hyvinvointialueluokitus"
ATTRIBUTION_EN = "Source: Statistics Finland, classifications of municipalities and wellbeing services counties"
MUNICIPALITIES = "municipalities.csv"
COUNTIES = "wellbeing_counties.csv"
META = "reference.json"
MUNI_COLUMNS = ["municipality_code", "name_fi", "name_sv", "county_code"]
COUNTY_COLUMNS = ["county_code", "name_fi", "name_sv", "municipalities"]


def reference_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "data" / "reference"


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise SosrapError(f"{path} is missing; restore it from git or run `sosrap fetch reference`")
    import pandas as pd
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def municipalities(root: Path | None = None) -> pd.DataFrame:
    """Every municipality with its wellbeing services county (code, fi, sv)."""
    d = reference_dir(root)
    m = _read_csv(d / MUNICIPALITIES)
    c = _read_csv(d / COUNTIES)[["county_code", "name_fi", "name_sv"]].rename(
        columns={"name_fi": "county_name_fi", "name_sv": "county_name_sv"})
    return m.merge(c, on="county_code", how="left", validate="many_to_one")


def counties(root: Path | None = None) -> pd.DataFrame:
    df = _read_csv(reference_dir(root) / COUNTIES)
    df["municipalities"] = df["municipalities"].astype(int)
    return df


def county_rows(root: Path | None = None) -> list[dict[str, str]]:
    """The counties table as rows of strings (what `counties` reads, without pandas)."""
    import csv
    with open(reference_dir(root) / COUNTIES, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def meta(root: Path | None = None) -> dict:
    p = reference_dir(root) / META
    return json.loads(p.read_text(encoding="utf-8"))


def members(county_code: str, root: Path | None = None) -> pd.DataFrame:
    """Municipalities of one wellbeing services county, by its code."""
    m = municipalities(root)
    return m[m.county_code == str(int(county_code))].reset_index(drop=True)


def attribution(root: Path | None = None) -> str:
    info = meta(root)
    return (f"{ATTRIBUTION_FI} {info['valid_from'][:4]} ({info['classification']}), {info['licence']}. "
            f"Haettu {info['retrieved'][:10]}.")


# --- refresh from the classification API ------------------------------------------

def _norm_muni(code: Any) -> str:
    s = str(code).strip()
    return s.zfill(3) if s.isdigit() else s


def _norm_county(code: Any) -> str:
    s = str(code).strip()
    return str(int(s)) if s.isdigit() else s


def _item_name(item: dict, lang: str) -> str:
    names = item.get("classificationItemNames") or item.get("names") or []
    if isinstance(names, dict):
        names = [names]
    for n in names:
        if isinstance(n, dict) and (n.get("lang") in (lang, None)) and n.get("name"):
            return str(n["name"]).strip()
    for n in names:
        if isinstance(n, dict) and n.get("name"):
            return str(n["name"]).strip()
    return str(item.get("name") or "").strip()


def parse_maps(raw: Any, lang: str) -> pd.DataFrame:
    """A correspondence-table `maps?content=data` response → source/target codes and names.

    Shape: `[{"sourceItem": {"code", "classificationItemNames": [{"lang","name"}]},
    "targetItem": {…}}, …]`."""
    if not isinstance(raw, list) or not raw:
        raise ValueError("expected a non-empty JSON array of {sourceItem, targetItem}")
    rows = []
    for m in raw:
        s, t = m.get("sourceItem") or {}, m.get("targetItem") or {}
        if "code" not in s or "code" not in t:
            raise ValueError(f"map entry without sourceItem.code/targetItem.code: {str(m)[:120]}")
        rows.append({"municipality_code": _norm_muni(s["code"]), f"name_{lang}": _item_name(s, lang),
                     "county_code": _norm_county(t["code"]), f"county_name_{lang}": _item_name(t, lang)})
    import pandas as pd
    return pd.DataFrame(rows)


def maps_url(base_url: str, year: int, lang: str) -> str:
    return (f"{base_url}correspondenceTables/kunta_1_{year}0101%23hyvinvointialue_1_{year}0101/maps"
            f"?content=data&meta=max&lang={lang}&format=json")


@dataclass
class RefreshResult:
    dir: Path
    year: int
    municipalities: int
    counties: int
    changed: bool
    requests: int


def tables_from_maps(fi: pd.DataFrame, sv: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    both = fi.merge(sv, on=["municipality_code", "county_code"], how="outer", validate="one_to_one")
    if both["name_fi"].isna().any() or both["name_sv"].isna().any():
        raise ValueError("the Finnish and Swedish responses list different municipalities")
    dup = both.municipality_code[both.municipality_code.duplicated()].tolist()
    if dup:
        raise ValueError(f"municipalities mapped to more than one county: {dup[:5]}")
    munis = both[MUNI_COLUMNS].sort_values("municipality_code").reset_index(drop=True)
    cty = (both.groupby("county_code", as_index=False)
           .agg(name_fi=("county_name_fi", "first"), name_sv=("county_name_sv", "first"),
                municipalities=("municipality_code", "size")))
    cty = cty.sort_values("county_code", key=lambda s: s.map(lambda c: (len(c), c))).reset_index(drop=True)
    return munis, cty[COUNTY_COLUMNS]


def write_reference(dest: Path, munis: pd.DataFrame, cty: pd.DataFrame, info: dict) -> bool:
    """Replace the reference folder's tables as a whole (written beside it,
    then swapped in). Returns whether the tables' content changed."""
    dest = Path(dest)
    with AtomicDir(dest) as d:
        tmp = d.path
        munis.to_csv(tmp / MUNICIPALITIES, index=False, encoding="utf-8", lineterminator="\n")
        cty.to_csv(tmp / COUNTIES, index=False, encoding="utf-8", lineterminator="\n")
        (tmp / META).write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        (tmp / "README.md").write_text(_readme(info, len(munis), len(cty)), encoding="utf-8")
        changed = not all((dest / n).is_file() and (dest / n).read_bytes() == (tmp / n).read_bytes()
                          for n in (MUNICIPALITIES, COUNTIES))
    return changed


def refresh(root: Path | None = None, *, year: int | None = None, base_url: str | None = None,
            http: HttpClient | None = None, dest: Path | None = None) -> RefreshResult:
    """Rebuild `data/reference/` from the classification API (kunta → hyvinvointialue,
    valid 1 January of *year*, default: this year). Two requests (fi, sv)."""
    from sosrap.sources.http import HttpClient, endpoint, utc_now
    year = year or _dt.date.today().year
    base = endpoint(ENV_URL, base_url or DEFAULT_BASE_URL)
    http = http or HttpClient()
    before = http.stats.requests
    frames, urls = {}, []
    for lang in ("fi", "sv"):
        url = maps_url(base, year, lang)
        what = f"classification kunta_1_{year}0101 → hyvinvointialue_1_{year}0101 ({lang})"
        f = http.get(url, what=what)
        try:
            frames[lang] = parse_maps(f.data, lang)
        except (ValueError, TypeError, AttributeError) as e:
            raise FetchError(f"{what}: unexpected response from {url}: {e}", url=url, what=what) from None
        urls.append(url)
    try:
        munis, cty = tables_from_maps(frames["fi"], frames["sv"])
    except ValueError as e:
        raise FetchError(f"classification {year}: {e}", url=urls[0]) from None
    if len(munis) < 200 or len(cty) < 15:
        raise FetchError(f"classification {year}: only {len(munis)} municipalities / {len(cty)} counties in "
                         f"{urls[0]}; refusing to replace the shipped table", url=urls[0])
    info = {
        "classification": f"kunta_1_{year}0101#hyvinvointialue_1_{year}0101",
        "valid_from": f"{year}-01-01",
        "retrieved": utc_now(),
        "source": "Statistics Finland classification API (Tilastokeskus, luokitusrajapinta)",
        "urls": urls,
        "licence": LICENCE,
        "attribution": ATTRIBUTION_FI,
        "attribution_en": ATTRIBUTION_EN,
    }
    out = Path(dest) if dest else reference_dir(root)
    changed = write_reference(out, munis, cty, info)
    return RefreshResult(dir=out, year=year, municipalities=len(munis), counties=len(cty), changed=changed,
                         requests=http.stats.requests - before)


def _readme(info: dict, n_munis: int, n_counties: int) -> str:
    via = f"\nCompiled via: {info['compiled_via']}\n" if info.get("compiled_via") else ""
    return f"""# Reference data: municipalities and wellbeing services counties

Written by `sosrap.reference.write_reference` — do not edit by hand; refresh with
`sosrap fetch reference [--year YYYY]`.

- Classification: `{info['classification']}` (valid from {info['valid_from']})
- Retrieved: {info['retrieved']}
- Source: {info['source']}
- Licence: {info['licence']} — attribution "{info['attribution']}" / "{info['attribution_en']}"
{via}
| file | rows | columns |
|---|---|---|
| `{MUNICIPALITIES}` | {n_munis} | {", ".join(MUNI_COLUMNS)} |
| `{COUNTIES}` | {n_counties} | {", ".join(COUNTY_COLUMNS)} |
| `{META}` | – | classification, dates, source URLs, licence |

Codes are text: municipality codes keep three digits ("009"); wellbeing county
codes are written without leading zeros ("1"–"21", 90 Helsingin kaupunki,
91 Ahvenanmaa), as Sotkanet codes its HYVINVOINTIALUE regions.
"""
