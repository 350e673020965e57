"""CBS StatLine: transcribed table pages and OData captures (v3/v4), landing in the same raw table.

Importing the package registers the capture reader (``cbs_odata_capture``) with the common reader dispatch.
"""

from pipelines.sources.cbs import reader as _reader  # noqa: F401,E402
