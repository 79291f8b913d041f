"""What every part of pinterest-pipeline shares: settings, typed errors, where files are, the
command-line conventions, progress and stopping, and the source tables' description."""

import logging

# A library logs through `logging`; the commands decide whether and where it is shown.
logging.getLogger(__name__).addHandler(logging.NullHandler())
