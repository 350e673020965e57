"""CBS StatLine: transcribed table pages and OData captures (v3/v4), landing in the same raw table.

The capture format is CBS's own: its reader and streaming loader are listed here for the reader dispatch
(pipelines/sources/common/readers.py).
"""

from pipelines.sources.cbs.reader import READER, load_capture, read_capture

READERS = {READER: read_capture}
LOADERS = {READER: load_capture}
