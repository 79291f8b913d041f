"""The Spark inside the pyspark wheel, which every Spark process of the stack runs: where it
is, and how its processes log."""

from __future__ import annotations

from pathlib import Path

from core.errors import ConfigurationError

# Spark's default logging (INFO to stderr, which the stack sends to .local/logs/<service>.log),
# except that Hive's transaction handler logs its whole configuration at INFO: the S3 keys too.
LOG4J2 = """\
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.txnhandler.name = org.apache.hadoop.hive.metastore.txn.TxnHandler
logger.txnhandler.level = warn
"""


def spark_home() -> Path:
    try:
        import pyspark
    except ImportError:
        raise ConfigurationError("pyspark is not installed: run `make install`") from None
    return Path(pyspark.__file__).parent
