"""UWV: work permits (TWV) and labour-market advice to the IND (GVVA) from UWV annual reports, the
Spanningsindicator (labour-market tension per quarter, with its class bounds as a reference table) and
shortage occupations. Files in data/snapshots/uwv/; Excel downloads are read with the ``xlsx_table`` reader."""
