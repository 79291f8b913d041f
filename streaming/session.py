"""The stream's Spark application: configured by a Spark properties file (the local stack's
is the Thrift server's own: the same metastore, warehouse, Delta and S3 settings), and, when
asked, serving the Thrift server from its own JVM, so that readers see the tables it writes
through the one metastore that Derby allows a single JVM to hold."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from core.errors import ConfigurationError

log = logging.getLogger(__name__)
APP_NAME = "pinterest-stream"


def spark_session(properties: Path) -> Any:
    """A Spark session of the settings in `properties`, with the Hive catalog (the tables
    persist in the metastore, where dbt and every reader find them)."""
    if not properties.is_file():
        raise ConfigurationError(
            f"no Spark properties file at {properties}: run `make up`, or pass --spark-properties"
        )
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigurationError("pyspark is not installed: run `make install`") from None
    # PySpark starts its JVM through spark-submit: the file's settings apply from its start
    # (class path, driver options), as they do to the stack's Thrift server.
    os.environ["PYSPARK_SUBMIT_ARGS"] = f"--properties-file {properties} pyspark-shell"
    # Spark's Python workers (the landing source's among them) import this project: this
    # interpreter, not the first `python3` on the PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return SparkSession.builder.appName(APP_NAME).enableHiveSupport().getOrCreate()


def serve_thrift(spark: Any) -> None:
    """HiveServer2 on the session's context, with the `hive.server2.*` settings the
    properties file gives as `spark.hive.server2.*` (host, port, authentication)."""
    jvm = spark._jvm
    # As `--hiveconf` does for the server's own main: some of Hive's parts (the password
    # provider's loader, for one) read a fresh HiveConf, which sees system properties only.
    for key, value in spark.sparkContext.getConf().getAll():
        if key.startswith("spark.hive."):
            jvm.java.lang.System.setProperty(key.removeprefix("spark."), value)
    server = jvm.org.apache.spark.sql.hive.thriftserver.HiveThriftServer2
    server.startWithContext(spark._jsparkSession.sqlContext())
    log.info("Thrift server started in the stream's JVM")
