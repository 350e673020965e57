"""The CBS OData client against a local fake server: paging, retries on faults, clear failures."""

import pytest

from pipelines.sources.cbs.odata.endpoints import ENV_BASE_URL, Endpoints
from pipelines.sources.cbs.odata.paging import follow
from pipelines.sources.cbs.odata.transport import CbsFetchError, RetryPolicy, Transport
from tests.fakes.cbs_odata import FakeCbs, Fault, vacancies_by_sector

FAST = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.05, read_timeout=0.5, connect_timeout=0.5)


def _pages(cbs, transport, resource="TypedDataSet"):
    url = Endpoints.resolve(cbs.base_url).v3_feed("80472NED", resource)
    return list(follow(url, transport.get_json, f"80472NED/{resource}"))


def test_feed_is_followed_to_the_last_page():
    table = vacancies_by_sector()
    with FakeCbs([table], page_size=7) as cbs, Transport(FAST) as t:
        pages = _pages(cbs, t)
    rows = [r for p in pages for r in p.body["value"]]
    assert len(pages) == -(-table.row_count // 7) and [r["ID"] for r in rows] == list(range(table.row_count))
    assert "odata.nextLink" not in pages[-1].body


@pytest.mark.parametrize("kind", ["500", "429", "timeout", "reset", "truncate"])
def test_transient_faults_succeed_after_retry(kind):
    fault = Fault("TypedDataSet", kind, times=2, delay=1.5)
    with FakeCbs([vacancies_by_sector()], page_size=50, faults=[fault]) as cbs, Transport(FAST) as t:
        pages = _pages(cbs, t)
    assert sum(len(p.body["value"]) for p in pages) == vacancies_by_sector().row_count
    assert fault.times == 0, "the fault was injected"


@pytest.mark.parametrize("kind", ["500", "reset", "truncate"])
def test_persistent_fault_fails_with_the_url_and_every_attempt(kind):
    with FakeCbs([vacancies_by_sector()], faults=[Fault("TypedDataSet", kind, times=99)]) as cbs, Transport(FAST) as t:
        with pytest.raises(CbsFetchError) as err:
            _pages(cbs, t)
    text = str(err.value)
    assert "after 3 attempts" in text and "/ODataFeed/odata/80472NED/TypedDataSet" in text
    assert text.count("attempt ") >= 3 and "What to do" in text


def test_next_link_loop_is_refused():
    with FakeCbs([vacancies_by_sector()], page_size=10, faults=[Fault("skiptoken=20", "loop")]) as cbs, Transport(FAST) as t:
        with pytest.raises(CbsFetchError, match="nextLink loops") as err:
            _pages(cbs, t)
    assert "links back to page" in str(err.value) and "nothing was captured" in str(err.value)


def test_not_found_is_not_retried():
    with FakeCbs([vacancies_by_sector()]) as cbs, Transport(FAST) as t:
        with pytest.raises(CbsFetchError, match="HTTP 404"):
            t.get_json(Endpoints.resolve(cbs.base_url).v3_api("00000NED", "TableInfos"))
        assert t.requests == 1


def test_base_url_from_environment(monkeypatch):
    monkeypatch.setenv(ENV_BASE_URL, "http://127.0.0.1:9/")
    ep = Endpoints.resolve()
    assert ep.v3_feed("84809NED", "TypedDataSet").startswith("http://127.0.0.1:9/ODataFeed/odata/84809NED/")
    assert ep.v4("84809NED", "Observations") == "http://127.0.0.1:9/odata/v1/CBS/84809NED/Observations"
    assert Endpoints.resolve("http://mirror.example/x").v3_base == "http://mirror.example/x"
    monkeypatch.delenv(ENV_BASE_URL)
    assert Endpoints.resolve().v3_base == "https://opendata.cbs.nl"


def test_concurrency_is_bounded():
    from concurrent.futures import ThreadPoolExecutor

    with FakeCbs([vacancies_by_sector()], latency=0.05) as cbs:
        with Transport(RetryPolicy(max_concurrency=2)) as t, ThreadPoolExecutor(8) as pool:
            url = Endpoints.resolve(cbs.base_url).v3_api("80472NED", "TableInfos")
            list(pool.map(lambda _: t.get_json(url), range(8)))
    assert cbs.peak_in_flight == 2


def test_bodies_are_parsed_as_json_would_parse_them():
    import hashlib
    import json

    from pipelines.sources.cbs.odata.transport import Page, parse_json

    for body in [b'{"value": [{"ID": 1, "T": "\\u00e9"}], "odata.nextLink": "http://x/?$skiptoken=1"}',
                 b'\xef\xbb\xbf{"value": []}', b'{"v": NaN}', b'[1, 2.5, null, true]']:
        assert repr(parse_json(body)) == repr(json.loads(body))
    with pytest.raises(ValueError):
        parse_json(b'{"value": [{"ID": 1}')
    page = Page("http://x", b"{}", {})
    assert page.sha256 == hashlib.sha256(b"{}").hexdigest()
