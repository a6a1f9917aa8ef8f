"""The package version, in a module of its own so that any module can import it.

``seqsleepnet/__init__.py`` imports the staging API lazily; a module that read
the version from there would close an import circle through it.
"""

__version__ = "0.1.0"
