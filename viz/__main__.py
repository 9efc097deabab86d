"""`python -m viz [--port P]`: the same as `noodplan ui`."""

import sys

from viz.cli import main

sys.exit(main(["ui", *sys.argv[1:]]))
