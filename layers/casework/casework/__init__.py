"""casework: the domain of a social work case-management system, shared by every function."""
