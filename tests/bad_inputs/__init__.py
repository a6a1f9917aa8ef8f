"""The bad-input catalogue: damaged, hostile and implausible files, one table of cases."""
