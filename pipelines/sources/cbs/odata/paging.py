"""Page through an OData resource: follow ``odata.nextLink`` (v3) / ``@odata.nextLink`` (v4), or, when the row
count is known, name every page up front as a ``$skip``/``$top`` range so the pages can be fetched in parallel.

A server that links back to a page already fetched would make a naive client loop for ever; that is
refused with both page numbers named. So is a resource with more than ``policy.CBS_MAX_PAGES`` pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urljoin

from pipelines import policy
from pipelines.core.errors import Problem
from pipelines.sources.cbs.odata.transport import CbsFetchError, Page

NEXT_LINK_KEYS = ("odata.nextLink", "@odata.nextLink")


def next_link(page: Page) -> str | None:
    body = page.body
    if not isinstance(body, dict):
        return None
    for key in NEXT_LINK_KEYS:
        if body.get(key):
            return urljoin(page.url, str(body[key]))
    return None


def rows(page: Page, resource: str) -> list:
    """The rows of a page (``value``), refusing a body that is not an OData collection."""
    body = page.body
    if not isinstance(body, dict) or not isinstance(body.get("value"), list):
        raise CbsFetchError(f"Unexpected response for {resource}",
                            [Problem("expected a JSON object with a 'value' list", file=page.url)],
                            hint="is the base URL a CBS OData service?")
    return body["value"]


def follow(first_url: str, fetch: Callable[[str], Page], resource: str,
           max_pages: int = policy.CBS_MAX_PAGES) -> Iterator[Page]:
    """Yield every page of a resource, in order."""
    seen: dict[str, int] = {}
    url: str | None = first_url
    number = 0
    while url is not None:
        if url in seen:
            raise CbsFetchError(
                f"{resource}: the server's nextLink loops",
                [Problem(f"page {number} links back to page {seen[url]} ({url})", file=resource)],
                hint="the server is misbehaving; nothing was captured. Report it, or try again later.",
            )
        if number >= max_pages:
            raise CbsFetchError(f"{resource}: more than {max_pages} pages",
                                [Problem("too many pages", file=resource)],
                                hint="raise policy.CBS_MAX_PAGES if the table really is that large, or add a filter in tables.yaml")
        seen[url] = number
        page = fetch(url)
        rows(page, resource)
        yield page
        url = next_link(page)
        number += 1


def range_url(url: str, skip: int, top: int) -> str:
    """``url`` asking for rows ``skip`` .. ``skip + top - 1`` (OData ``$skip`` / ``$top``)."""
    return f"{url}{'&' if '?' in url else '?'}$skip={skip}&$top={top}"


def page_ranges(first_url: str, count: int, page_rows: int, resource: str,
                max_pages: int = policy.CBS_MAX_PAGES) -> list[tuple[str, int]]:
    """The URL and the expected row count of every page after the first, for a resource of ``count`` rows whose
    first page (``first_url`` as it is) held ``page_rows`` rows: page k asks for ``$skip=k*page_rows``,
    ``$top=page_rows``. The URLs depend only on the count and the server's page size, so a rerun asks for the
    same pages (and finds them in the work area) whatever order they arrived in the first time."""
    pages = -(-count // page_rows)
    if pages > max_pages:
        raise CbsFetchError(f"{resource}: more than {max_pages} pages",
                            [Problem(f"{count} rows in pages of {page_rows}", file=resource)],
                            hint="raise policy.CBS_MAX_PAGES if the table really is that large, or add a filter in tables.yaml")
    return [(range_url(first_url, k * page_rows, page_rows), min(page_rows, count - k * page_rows))
            for k in range(1, pages)]
