"""The local stand-ins for production: the stack's services, the source-data generator and the
live supervisor that runs the pipeline continuously on them."""

import logging

# A library logs through `logging`; the commands decide whether and where it is shown.
logging.getLogger(__name__).addHandler(logging.NullHandler())
