"""Library code shared by every source: snapshots, observations, periods, the warehouse, publishing."""
