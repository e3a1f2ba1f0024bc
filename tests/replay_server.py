"""A local stand-in for Sotkanet, StatFin PxWeb and the classification API.

Real sockets on 127.0.0.1 (http.server in a thread), answering in the
recorded response formats: our fixtures in tests/fixtures/ are templates, and
data is computed deterministically per indicator/region/year, so any edition
can be fetched from it (tests, the benchmark, an offline demo).

Faults are injected per route and consumed in order::

    server.inject("GET", "/rest/1.1/json", Fault.status(500))      # 500, then normal answers
    server.inject("POST", "/11ra.px", Fault.delay(0.5))             # slow once (client timeout)

Every request is logged (`server.log`) so tests count requests.
"""
from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]

SOTKANET = "/rest/1.1/"
STATFIN_API = "/PXWeb/api/v1/fi/"
STATFIN = STATFIN_API + "StatFin/"
CLASSIFICATIONS = "/api/classifications/v2/"


def _load(rel: str) -> Any:
    return json.loads((FIXTURES / rel).read_text(encoding="utf-8"))


def _h(*parts: Any) -> int:
    """A stable pseudo-random integer from the parts (same answer every run)."""
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12], 16)


@dataclass
class Fault:
    kind: str                       # status | delay | truncate | malformed | reset | body
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @staticmethod
    def http(status: int, body: bytes = b"", headers: dict[str, str] | None = None,
             content_type: str = "text/plain; charset=utf-8") -> "Fault":
        return Fault("status", status=status, body=body or f"HTTP {status}".encode(),
                     headers={"Content-Type": content_type, **(headers or {})})

    @staticmethod
    def delay(seconds: float) -> "Fault":
        return Fault("delay", seconds=seconds)

    @staticmethod
    def truncate() -> "Fault":
        return Fault("truncate")

    @staticmethod
    def malformed() -> "Fault":
        return Fault("malformed")

    @staticmethod
    def reset() -> "Fault":
        return Fault("reset")

    @staticmethod
    def json_body(obj: Any, status: int = 200) -> "Fault":
        return Fault("body", status=status, body=json.dumps(obj).encode())


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


class World:
    """What the fake APIs know. Tests mutate it (bump `data-updated`, add a table)."""

    def __init__(self) -> None:
        self.regions = self._regions()
        self.meta_template = _load("sotkanet/indicator_493.json")
        self.meta_overrides = {493: _load("sotkanet/indicator_493.json"), 181: _load("sotkanet/indicator_181.json")}
        self.data_updated: dict[int, str] = {}
        self.unknown: set[int] = {99999}          # no metadata (404), no data ([])
        self.empty_data: set[int] = set()         # metadata, but an empty data array
        self.statfin_config = _load("statfin/config.json")
        self.statfin_tables: dict[str, dict] = {"vaerak/11ra.px": _load("statfin/11ra_metadata.json")}
        self.statfin_listing: dict[str, list] = {"vaerak/": _load("statfin/folder_vaerak.json")}
        self.statfin_403_above = 600              # cells; below the advertised limit on purpose
        self.revision = 0                         # bump to change every value

    # Sotkanet ---------------------------------------------------------------------------
    @staticmethod
    def _regions() -> list[dict]:
        """Country, maakunta 17, all 23 wellbeing counties and all 308 municipalities
        (Sotkanet ids: real ones for Pohde and the counties, made-up for others)."""
        from sosrap.demo import snapshot as demo
        munis = pd.read_csv(ROOT / "data/reference/municipalities.csv", dtype=str, keep_default_na=False)
        counties = pd.read_csv(ROOT / "data/reference/wellbeing_counties.csv", dtype=str, keep_default_na=False)
        county_id = {code: rid for code, rid, *_ in demo.COUNTIES}
        pohde_id = {code: rid for code, rid, *_ in demo.POHDE_MUNICIPALITIES}
        out = [{"id": 658, "code": "358", "category": "MAA",
                "title": {"fi": "Koko maa", "en": "Whole country", "sv": "Hela landet"}, "memberOf": []},
               {"id": 503, "code": "17", "category": "MAAKUNTA",
                "title": {"fi": "Pohjois-Pohjanmaa", "en": "North Ostrobothnia", "sv": "Norra Österbotten"},
                "memberOf": [658]}]
        for c in counties.itertuples():
            out.append({"id": county_id[c.county_code], "code": c.county_code, "category": "HYVINVOINTIALUE",
                        "title": {"fi": c.name_fi, "en": c.name_fi, "sv": c.name_sv}, "memberOf": [658]})
        for i, m in enumerate(munis.itertuples()):
            rid = pohde_id.get(m.municipality_code, 2000 + i)
            member = [658, county_id[m.county_code]] + ([503] if m.county_code == "19" else [])
            out.append({"id": rid, "code": m.municipality_code, "category": "KUNTA",
                        "title": {"fi": m.name_fi, "en": m.name_fi, "sv": m.name_sv}, "memberOf": member,
                        "uri": f"http://www.yso.fi/onto/kunnat/k{m.municipality_code}"})
        return sorted(out, key=lambda r: r["id"])

    def indicator(self, iid: int) -> dict | None:
        if iid in self.unknown:
            return None
        meta = copy.deepcopy(self.meta_overrides.get(iid) or self.meta_template)
        if iid not in self.meta_overrides:
            meta["id"] = iid
            meta["title"] = {"fi": f"Testi-indikaattori {iid}", "en": f"Test indicator {iid}",
                             "sv": f"Testindikator {iid}"}
            if iid == 127:
                meta["title"] = {"fi": "Väestö 31.12.", "en": "Population at year end", "sv": "Befolkning 31.12"}
                meta["primaryValueType"] = {"code": "LKM", "title": {"fi": "Lukumäärä", "en": "Number", "sv": "Antal"}}
                meta["organization"] = {"id": 3, "title": {"fi": "Tilastokeskus", "en": "Statistics Finland",
                                                           "sv": "Statistikcentralen"}}
        meta["data-updated"] = self.data_updated.get(iid, meta["data-updated"])
        return meta

    def data(self, iid: int, years: list[int], genders: list[str]) -> list[dict]:
        meta = self.indicator(iid)
        if meta is None or iid in self.empty_data:
            return []
        rng = meta["range"]
        rows = []
        stamp = meta["data-updated"]
        for r in self.regions:
            for y in years:
                if not rng["start"] <= y <= rng["end"]:
                    continue
                for g in genders:
                    h = _h(iid, r["id"], y, g, stamp, self.revision)
                    if r["category"] == "KUNTA" and h % 97 == 0:
                        continue                                   # no row at all (withheld)
                    row = {"indicator": iid, "region": r["id"], "year": y, "gender": g}
                    if r["category"] == "KUNTA" and h % 53 == 0:
                        rows.append(row)                           # a row without values (suppressed)
                        continue
                    if iid == 127:
                        v = 500 + h % 200_000
                        row.update(value=v, absValue=v)
                    else:
                        row["value"] = round(1 + (h % 900) / 100, 1)
                        if h % 7:
                            row["absValue"] = 5 + h % 5000
                    rows.append(row)
        return rows

    # StatFin ----------------------------------------------------------------------------
    def statfin_answer(self, path: str, query: dict) -> tuple[int, bytes, str]:
        meta = self.statfin_tables.get(path)
        if meta is None:
            return 404, b"Not Found", "text/plain"
        try:
            q = {item["code"]: item["selection"] for item in query["query"]}
            if (query.get("response") or {}).get("format") != "json-stat2":
                raise ValueError("format")
        except (KeyError, TypeError, ValueError):
            return 400, b"Bad Request", "text/plain"
        dims, sizes, dimension = [], [], {}
        for v in meta["variables"]:
            sel = q.pop(v["code"], None)
            if sel is None:
                if v.get("elimination"):
                    continue
                return 400, b"Bad Request", "text/plain"          # a non-eliminable variable left out
            if sel.get("filter") != "item" or any(x not in v["values"] for x in sel.get("values", [])):
                return 400, b"Bad Request", "text/plain"
            chosen = [x for x in v["values"] if x in sel["values"]]
            texts = dict(zip(v["values"], v["valueTexts"]))
            dims.append(v["code"])
            sizes.append(len(chosen))
            dimension[v["code"]] = {"label": v["text"], "category": {
                "index": {c: i for i, c in enumerate(chosen)}, "label": {c: texts[c] for c in chosen}}}
        if q:
            return 400, b"Bad Request", "text/plain"              # an unknown variable code
        n = 1
        for s in sizes:
            n *= s
        if n > self.statfin_403_above:
            return 403, (FIXTURES / "statfin/too_large_403.html").read_bytes(), "text/html"
        codes = [list(dimension[d]["category"]["index"]) for d in dims]
        values, status = [], {}
        import itertools
        for i, combo in enumerate(itertools.product(*codes)):
            h = _h(path, *combo, self.revision)
            if h % 41 == 0:
                values.append(None)
                status[str(i)] = ".."
            else:
                values.append(1000 + h % 250_000)
        role = {"time": [v["code"] for v in meta["variables"] if v.get("time") and v["code"] in dims],
                "metric": [d for d in dims if d.lower() in ("contentscode", "tiedot")]}
        ds = {"class": "dataset", "label": meta["title"], "source": "Tilastokeskus (testipalvelin)",
              "updated": "2026-05-29T05.00.00Z", "id": dims, "size": sizes, "dimension": dimension,
              "value": values, "role": role, "version": "2.0",
              "extension": {"px": {"tableid": path.rsplit("/", 1)[-1].removesuffix(".px")}}}
        if status:
            ds["status"] = status
        return 200, json.dumps(ds, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8"

    # Classification API ------------------------------------------------------------------
    def maps(self, lang: str) -> list[dict]:
        munis = pd.read_csv(ROOT / "data/reference/municipalities.csv", dtype=str, keep_default_na=False)
        counties = pd.read_csv(ROOT / "data/reference/wellbeing_counties.csv", dtype=str, keep_default_na=False)
        cname = dict(zip(counties.county_code, counties[f"name_{lang}"]))
        return [{"sourceItem": {"code": m.municipality_code,
                                "classificationItemNames": [{"lang": lang, "name": getattr(m, f"name_{lang}")}]},
                 "targetItem": {"code": m.county_code.zfill(2),
                                "classificationItemNames": [{"lang": lang, "name": cname[m.county_code]}]}}
                for m in munis.itertuples()]


class ReplayServer:
    """Start with `with ReplayServer() as s:`; URLs: s.sotkanet_url, s.statfin_url, s.classifications_url."""

    def __init__(self, world: World | None = None):
        self.world = world or World()
        self.log: list[Logged] = []
        self._faults: list[tuple[str, str, list[Fault]]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True     # headers and body are separate writes: avoid 40 ms ACK stalls

            def log_message(self, *a: Any) -> None:       # quiet
                pass

            def do_GET(self) -> None:
                server._handle(self, "GET")

            def do_POST(self) -> None:
                server._handle(self, "POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, client_address: None   # broken pipes after client timeouts
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # lifecycle
    def start(self) -> "ReplayServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def sotkanet_url(self) -> str:
        return self.url + SOTKANET

    @property
    def statfin_url(self) -> str:
        return self.url + STATFIN

    @property
    def classifications_url(self) -> str:
        return self.url + CLASSIFICATIONS

    # faults and log
    def inject(self, method: str, path_contains: str, *faults: Fault) -> None:
        with self._lock:
            self._faults.append((method, path_contains, list(faults)))

    def requests(self, method: str | None = None, path_contains: str = "") -> list[Logged]:
        return [r for r in self.log if (method is None or r.method == method) and path_contains in r.path]

    def _next_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for m, needle, queue in self._faults:
                if m == method and needle in path and queue:
                    return queue.pop(0)
        return None

    # dispatch
    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        raw_body = b""
        if method == "POST":
            raw_body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw_body) if raw_body else None
        except json.JSONDecodeError:
            body = raw_body
        with self._lock:
            self.log.append(Logged(method, path + ("?" + parts.query if parts.query else ""), query, body,
                                   dict(h.headers)))
        ua = h.headers.get("User-Agent") or ""
        if not ua or ua.lower() == "null":
            return self._send(h, 403, b"Forbidden (no User-Agent)", "text/plain")   # as Sotkanet does
        fault = self._next_fault(method, path + "?" + parts.query)
        if fault is not None:
            if fault.kind == "status":
                return self._send(h, fault.status, fault.body, fault.headers.get("Content-Type", "text/plain"),
                                  {k: v for k, v in fault.headers.items() if k != "Content-Type"})
            if fault.kind == "body":
                return self._send(h, fault.status, fault.body, "application/json")
            if fault.kind == "malformed":
                return self._send(h, 200, b'{"id": 493, "title": {"fi": "Toimeentulo', "application/json")
            if fault.kind == "reset":
                h.close_connection = True
                return
            if fault.kind == "delay":
                time.sleep(fault.seconds)
        status, content, ctype = self._answer(method, path, query, body)
        if fault is not None and fault.kind == "truncate":
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(content)))
            h.send_header("Connection", "close")
            h.end_headers()
            h.wfile.write(content[: max(1, len(content) // 3)])
            h.wfile.flush()
            h.close_connection = True
            return
        self._send(h, status, content, ctype)

    def _send(self, h: BaseHTTPRequestHandler, status: int, content: bytes, ctype: str,
              headers: dict[str, str] | None = None) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(content)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True

    def _json(self, obj: Any, status: int = 200) -> tuple[int, bytes, str]:
        return status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8"

    def _answer(self, method: str, path: str, query: dict, body: Any) -> tuple[int, bytes, str]:
        w = self.world
        if path.startswith(SOTKANET) and method == "GET":
            rest = path[len(SOTKANET):]
            if rest == "regions":
                return self._json(w.regions)
            if rest == "indicators":
                return self._json([{k: w.indicator(i)[k] for k in ("id", "title", "organization")}
                                   for i in (127, 181, 493)])
            if rest.startswith("indicators/"):
                meta = w.indicator(int(rest.split("/", 1)[1]))
                return self._json(meta) if meta else (404, b"Not Found", "text/plain")
            if rest == "json":
                try:
                    iid = int(query["indicator"][0])
                    years = [int(y) for y in query.get("years", [])]
                except (KeyError, ValueError):
                    return 400, b"Bad Request", "text/plain"
                return self._json(w.data(iid, years, query.get("genders") or ["total"]))
        if path == STATFIN_API and method == "GET":          # …/api/v1/fi/?config
            return self._json(w.statfin_config)
        if path.startswith(STATFIN):
            rest = path[len(STATFIN):]
            if method == "GET" and rest in w.statfin_listing:
                return self._json(w.statfin_listing[rest])
            if method == "GET" and rest in w.statfin_tables:
                return self._json(w.statfin_tables[rest])
            if method == "POST":
                return w.statfin_answer(rest, body if isinstance(body, dict) else {})
        if path.startswith(CLASSIFICATIONS + "correspondenceTables/") and path.endswith("/maps"):
            lang = (query.get("lang") or ["fi"])[0]
            return self._json(w.maps(lang))
        return 404, b"Not Found", "text/plain"
