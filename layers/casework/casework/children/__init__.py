"""Children's social care (CSC): C&F assessments, statutory and failed visits, each timescale a deadline the
compliance sweep watches. Importing the package registers what its deadlines' stages do (finalising a note)."""
