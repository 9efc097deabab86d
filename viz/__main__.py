"""`python -m viz [--port P]`: the same as `noodplan ui`, started and ended as it is (`experiments.entry`:
a Ctrl+C while it starts is answered in one line)."""

import sys

from experiments import entry

sys.argv[1:1] = ["ui"]
sys.exit(entry.main("viz.cli"))
