"""`python -m indexer …`: the knowledge engine's commands on their own."""

import sys

from indexer.cli import main

sys.exit(main())
