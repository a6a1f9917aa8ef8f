"""``python -m seqsleepnet``: the command line."""

from seqsleepnet.cli import main

main()
