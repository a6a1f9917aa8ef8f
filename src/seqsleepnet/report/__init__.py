"""Pictures and reports of a staged night."""
