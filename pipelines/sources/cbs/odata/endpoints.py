"""Where a CBS table's resources live.

v3 (StatLine): ``{v3}/ODataApi/odata/{id}/{resource}`` for metadata and ``{v3}/ODataFeed/odata/{id}/{data set}``
for the bulk rows (the Feed pages with ``odata.nextLink``). v4: ``{v4}/odata/v1/CBS/{id}/{entity set}``.
Defaults are CBS's own hosts. ``MONITOR_CBS_BASE_URL`` (or ``--base-url``) replaces both hosts with one
base, so a mirror or a test server serves both layouts under one address.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import quote

V3_BASE = "https://opendata.cbs.nl"
V4_BASE = "https://datasets.cbs.nl"
ENV_BASE_URL = "MONITOR_CBS_BASE_URL"


@dataclass(frozen=True)
class Endpoints:
    v3_base: str = V3_BASE
    v4_base: str = V4_BASE

    @classmethod
    def resolve(cls, base_url: str | None = None) -> Endpoints:
        base = base_url or os.environ.get(ENV_BASE_URL)
        if base:
            base = base.rstrip("/")
            return cls(base, base)
        return cls()

    @property
    def overridden(self) -> bool:
        return self.v3_base != V3_BASE

    def v3_api(self, table_id: str, resource: str) -> str:
        return f"{self.v3_base}/ODataApi/odata/{table_id}/{resource}?$format=json"

    def v3_feed(self, table_id: str, resource: str, odata_filter: str | None = None) -> str:
        url = f"{self.v3_base}/ODataFeed/odata/{table_id}/{resource}?$format=json"
        return url + (f"&$filter={quote(odata_filter, safe='')}" if odata_filter else "")

    def v3_table(self, table_id: str) -> str:
        return f"{self.v3_base}/ODataApi/odata/{table_id}"

    def v4(self, table_id: str, entity_set: str, odata_filter: str | None = None) -> str:
        url = f"{self.v4_base}/odata/v1/CBS/{table_id}/{entity_set}"
        return url + (f"?$filter={quote(odata_filter, safe='')}" if odata_filter else "")

    def v4_table(self, table_id: str) -> str:
        return f"{self.v4_base}/odata/v1/CBS/{table_id}"
