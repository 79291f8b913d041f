"""The source database's three tables: DDL and the parameterised inserts that fill them.

Identifiers are fixed and backtick-quoted (`index` and `timestamp` are reserved words); values
only ever travel as driver parameters.
"""

from __future__ import annotations

from core.catalogue import GEOLOCATIONS, POSTS, SOURCE_TABLES, USERS

CREATE_POSTS = f"""
CREATE TABLE IF NOT EXISTS `{POSTS.name}` (
    {POSTS.quoted_key} INT NOT NULL,
    `unique_id` VARCHAR(36),
    `title` TEXT,
    `description` TEXT,
    `poster_name` TEXT,
    `follower_count` VARCHAR(32),
    `tag_list` TEXT,
    `is_image_or_video` VARCHAR(64),
    `image_src` TEXT,
    `downloaded` INT,
    `save_location` VARCHAR(255),
    `category` VARCHAR(64),
    PRIMARY KEY ({POSTS.quoted_key})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
"""

CREATE_GEOLOCATION = f"""
CREATE TABLE IF NOT EXISTS `{GEOLOCATIONS.name}` (
    {GEOLOCATIONS.quoted_key} INT NOT NULL,
    `timestamp` DATETIME,
    `latitude` DOUBLE,
    `longitude` DOUBLE,
    `country` VARCHAR(255),
    PRIMARY KEY ({GEOLOCATIONS.quoted_key})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
"""

CREATE_USERS = f"""
CREATE TABLE IF NOT EXISTS `{USERS.name}` (
    {USERS.quoted_key} INT NOT NULL,
    `first_name` VARCHAR(255),
    `last_name` VARCHAR(255),
    `age` INT,
    `date_joined` DATETIME,
    PRIMARY KEY ({USERS.quoted_key})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
"""

CREATE_TABLES = (CREATE_POSTS, CREATE_GEOLOCATION, CREATE_USERS)

# Columns made wider since the tables were first created (the source's values did not fit):
# tables made before are altered once, when their column is still of another type.
COLUMN_TYPE = (
    "SELECT DATA_TYPE FROM information_schema.COLUMNS "
    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s AND COLUMN_NAME = %s"
)
WIDENED = {
    (POSTS.name, "poster_name"): (
        "text",
        f"ALTER TABLE `{POSTS.name}` MODIFY `poster_name` TEXT",
    ),
}

# PyMySQL's executemany() recognises this `INSERT ... VALUES (%s, ...)` shape and sends the batch
# as a few large multi-row INSERTs instead of one round trip per row.
INSERT_POSTS = (
    f"INSERT INTO `{POSTS.name}` ({POSTS.quoted_key}, `unique_id`, `title`, `description`, "
    "`poster_name`, `follower_count`, `tag_list`, `is_image_or_video`, `image_src`, `downloaded`, "
    "`save_location`, `category`) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
INSERT_GEOLOCATION = (
    f"INSERT INTO `{GEOLOCATIONS.name}` ({GEOLOCATIONS.quoted_key}, `timestamp`, `latitude`, "
    "`longitude`, `country`) VALUES (%s, %s, %s, %s, %s)"
)
INSERT_USERS = (
    f"INSERT INTO `{USERS.name}` ({USERS.quoted_key}, `first_name`, `last_name`, `age`, "
    "`date_joined`) VALUES (%s, %s, %s, %s, %s)"
)

# The last key of any of the three tables; NULL when all are empty.
LAST_KEY = (
    "SELECT GREATEST("
    + ", ".join(
        f"COALESCE((SELECT MAX({table.quoted_key}) FROM `{table.name}`), -1)"
        for table in SOURCE_TABLES
    )
    + ")"
)

COUNT_ROWS = {table.name: f"SELECT COUNT(*) FROM `{table.name}`" for table in SOURCE_TABLES}
TRUNCATE_TABLES = tuple(f"TRUNCATE TABLE `{table.name}`" for table in SOURCE_TABLES)
