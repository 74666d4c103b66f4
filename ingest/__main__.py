"""Entry point of `python -m ingest`."""

import sys

from ingest.cli import main

if __name__ == "__main__":  # parse workers re-import the main module; they must not run the CLI again
    sys.exit(main())
