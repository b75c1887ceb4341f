"""The workbook stage: a unit's file, refused cheaply when hostile (`guard`), read by meaning
(`read`, `numbers`), checked against the plan (`validate`); plus the files we write back to units
(`template`, `annotate`)."""
