"""Compliance (CMP): deadlines stored with their records, the sweep that raises their alerts once per stage and
escalates them up the supervisor chain, and the managers' view of what is about to be missed."""
