"""The published-estimates register: figures from one-off studies and policy documents (SEO, ABU/NBBU, the
Adviesraad Migratie, the Staat van Migratie, OVV, the Staatscommissie DO2050, IBO Arbeidsmigratie, Kamerbrieven),
and the study figures the SER advice and the cabinet's letters cite. Competing estimates of one quantity share
an indicator id and differ in the breakdown ``schatting`` (who estimated it)."""
