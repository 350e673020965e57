"""A small OData client for CBS StatLine: v3 (ODataApi / ODataFeed) and v4 (datasets.cbs.nl).

- ``transport``: one httpx client with timeouts, retries with backoff, bounded concurrency.
- ``endpoints``: where a table's resources live (base URL overridable for mirrors and tests).
- ``paging``: follow ``odata.nextLink`` / ``@odata.nextLink`` page by page, refusing loops; or, with a known row
  count, ``$skip``/``$top`` ranges fetched in parallel.
- ``v3`` / ``v4``: which resources make up a capture of one table in each API.
- ``capture``: fetch a table into a new directory snapshot, atomically, resumable.
- ``tablemeta``: read a capture back (dimensions, the time dimension, measures, periods).
"""
