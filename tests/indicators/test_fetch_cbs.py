"""`kompas fetch cbs` against a local stand-in that answers like the CBS OData API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse

import pytest

from gebiedskompas.core.errors import KompasError
from gebiedskompas.indicators.cbs_odata import fetch_and_import
from gebiedskompas.indicators.models import Observation

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PROPERTIES = [
    {"ID": 0, "Type": "GeoDetail", "Key": "WijkenEnBuurten", "Title": "Wijken en buurten"},
    {"ID": 1, "Type": "TopicGroup", "Key": "", "Title": "Regioaanduiding", "ParentID": None},
    {
        "ID": 2,
        "Type": "Topic",
        "Key": "SoortRegio_2",
        "Title": "Soort regio",
        "ParentID": 1,
        "Datatype": "String",
    },
    {
        "ID": 3,
        "Type": "Topic",
        "Key": "Codering_3",
        "Title": "Codering",
        "ParentID": 1,
        "Datatype": "String",
    },
    {"ID": 4, "Type": "TopicGroup", "Key": "", "Title": "Bevolking", "ParentID": None},
    {
        "ID": 5,
        "Type": "Topic",
        "Key": "AantalInwoners_5",
        "Title": "Aantal inwoners",
        "ParentID": 4,
        "Datatype": "Long",
        "Unit": "aantal",
    },
]
ROWS = [
    {
        "ID": 0,
        "WijkenEnBuurten": "GM9997",
        "SoortRegio_2": "Gemeente  ",
        "Codering_3": "GM9997    ",
        "AantalInwoners_5": 700,
    },
    {
        "ID": 1,
        "WijkenEnBuurten": "WK999701",
        "SoortRegio_2": "Wijk      ",
        "Codering_3": "WK999701  ",
        "AantalInwoners_5": 700,
    },
    {
        "ID": 2,
        "WijkenEnBuurten": "BU99970101",
        "SoortRegio_2": "Buurt     ",
        "Codering_3": "BU99970101",
        "AantalInwoners_5": 700,
    },
    {
        "ID": 3,
        "WijkenEnBuurten": "GM0001",
        "SoortRegio_2": "Gemeente  ",
        "Codering_3": "GM0001    ",
        "AantalInwoners_5": 5,
    },
]
LABELS = [
    {"Key": "GM9997", "Title": "Proefdorp"},
    {"Key": "WK999701", "Title": "Wijk 01 Kern"},
    {"Key": "BU99970101", "Title": "Kern"},
    {"Key": "GM0001", "Title": "Elders"},
]


class StandIn(BaseHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlparse(self.path)
        StandIn.requests.append(unquote(self.path))
        parts = url.path.rstrip("/").split("/")
        table, collection = parts[-2], parts[-1]
        base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        if table != "99999NED":
            self.send_response(404)
            self.end_headers()
            return
        if collection == "DataProperties":
            payload = {"value": PROPERTIES}
        elif collection == "WijkenEnBuurten":
            payload = {"value": LABELS}
        elif collection == "TypedDataSet":
            query = unquote(url.query)
            rows = [r for r in ROWS if "9997" in r["Codering_3"]] if "9997" in query else ROWS
            if "skip=2" in query:
                payload = {"value": rows[2:]}
            else:
                payload = {
                    "value": rows[:2],
                    "odata.nextLink": f"{base}/odata/99999NED/TypedDataSet?{url.query}&$skip=2",
                }
        else:
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def odata():
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/odata"
    server.shutdown()


def test_fetch_follows_pages_filters_the_municipality_and_imports(odata: str) -> None:
    summary = fetch_and_import("99999NED", base_url=odata, gemeente="GM9997", year=2024)
    assert summary.new == 3
    obs = Observation.objects.get(area__code="BU99970101", indicator__key="inwoners")
    assert obs.value == 700 and obs.area.name == "Kern"
    assert not Observation.objects.filter(area__code="GM0001").exists()
    assert any("substringof('GM9997',Codering_3)" in r for r in StandIn.requests)


def test_fetch_of_an_unknown_table_says_what_cbs_answered(odata: str) -> None:
    with pytest.raises(KompasError, match="CBS answered 404"):
        fetch_and_import("12345NED", base_url=odata)


def test_fetch_without_a_server_says_it_cannot_reach_cbs() -> None:
    with pytest.raises(KompasError, match="cannot reach CBS"):
        fetch_and_import("99999NED", base_url="http://127.0.0.1:9/odata")
