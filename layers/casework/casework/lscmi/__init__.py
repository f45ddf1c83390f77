"""LS/CMI (DOMAIN.md LSA, APR, DEL): the arithmetic (`scoring`), assessments and plans, the requests a manager
decides (`approval_requests`, `approvals`) and record maintenance. Arrows point one way: maintenance and approvals use
assessments, assessments use approval_requests and scoring, which use nothing here."""
