"""Nederlandse Arbeidsinspectie (until 2022 Inspectie SZW): inspections, accidents, shutdowns and warnings from
its annual reports, and the enforcement figures the SER advice cites. Files in data/snapshots/arbeidsinspectie/;
a new annual report is a new dataset folder (see docs/sources.md)."""
