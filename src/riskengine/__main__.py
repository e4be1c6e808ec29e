"""``python -m riskengine``: the command line, for when the ``riskengine`` script is not on
the PATH."""

from riskengine.cli import main

main()
