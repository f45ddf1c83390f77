"""Children's social care (CSC): C&F assessments, statutory and failed visits, each timescale a deadline the
compliance sweep watches. Importing the package registers what its deadlines' stages do (finalising a note) and what
opening a case starts (the first statutory visit's deadline)."""

from __future__ import annotations

from casework import cases
from casework.children import visits
from casework.compliance import deadlines

deadlines.ACTIONS["finalise"] = visits.finalise_by_sweep
if visits.opened not in cases.OPENED:
    cases.OPENED.append(visits.opened)
