"""Transfer (DOMAIN.md TRN): the file format (`file_format`), exports with destinations and allowed senders
(`exports`), imports (`imports`) and inbound mail (`inbound`, which hands files to imports through its public entry
point). The file format uses nothing else here."""
