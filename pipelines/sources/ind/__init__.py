"""IND: applications and decisions for knowledge and talent (kennismigranten, Blue Card, ICT), recognised
sponsors (erkend referenten), from IND annual reports and pages, and the 2024 figures the SER advice cites."""
