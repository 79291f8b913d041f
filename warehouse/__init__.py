"""What reads the warehouse that dbt builds: the answers, the report, reconciliation, the
data-quality audit and the dbt project's manifest."""

import logging

# A library logs through `logging`; the commands decide whether and where it is shown.
logging.getLogger(__name__).addHandler(logging.NullHandler())
