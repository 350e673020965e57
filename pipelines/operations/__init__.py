"""Operating the monitor in Dagster: the live refresh job, its schedules and sensors, and the instance home.

- ``jobs``: ``refresh_cbs_live`` captures CBS tables afresh (the network step, retried per pipelines/policy.py);
- ``sensors``: ``cbs_table_changes`` asks CBS which table versions it serves and requests a refresh for exactly
  the tables whose ``Modified`` changed; ``build_after_cbs_refresh`` builds and publishes after a refresh;
- ``schedules``: the monthly refresh and the annual edition, both off until an operator turns them on;
- ``instance``: the persistent ``DAGSTER_HOME`` with the shipped ``dagster.yaml``.
"""
