"""The source database's three tables: DDL and the parameterised inserts that fill them.

Identifiers are fixed and backtick-quoted (`index` and `timestamp` are reserved words); values
only ever travel as driver parameters.
"""

from __future__ import annotations

POSTS_TABLE = "pinterest_data"
GEOLOCATION_TABLE = "geolocation_data"
USERS_TABLE = "user_data"
TABLES = (POSTS_TABLE, GEOLOCATION_TABLE, USERS_TABLE)

CREATE_POSTS = """
CREATE TABLE IF NOT EXISTS `pinterest_data` (
    `index` INT NOT NULL,
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
    PRIMARY KEY (`index`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
"""

CREATE_GEOLOCATION = """
CREATE TABLE IF NOT EXISTS `geolocation_data` (
    `ind` INT NOT NULL,
    `timestamp` DATETIME,
    `latitude` DOUBLE,
    `longitude` DOUBLE,
    `country` VARCHAR(255),
    PRIMARY KEY (`ind`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
"""

CREATE_USERS = """
CREATE TABLE IF NOT EXISTS `user_data` (
    `ind` INT NOT NULL,
    `first_name` VARCHAR(255),
    `last_name` VARCHAR(255),
    `age` INT,
    `date_joined` DATETIME,
    PRIMARY KEY (`ind`)
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
    ("pinterest_data", "poster_name"): (
        "text",
        "ALTER TABLE `pinterest_data` MODIFY `poster_name` TEXT",
    ),
}

# PyMySQL's executemany() recognises this `INSERT ... VALUES (%s, ...)` shape and sends the batch
# as a few large multi-row INSERTs instead of one round trip per row.
INSERT_POSTS = (
    "INSERT INTO `pinterest_data` (`index`, `unique_id`, `title`, `description`, `poster_name`, "
    "`follower_count`, `tag_list`, `is_image_or_video`, `image_src`, `downloaded`, "
    "`save_location`, `category`) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
INSERT_GEOLOCATION = (
    "INSERT INTO `geolocation_data` (`ind`, `timestamp`, `latitude`, `longitude`, `country`) "
    "VALUES (%s, %s, %s, %s, %s)"
)
INSERT_USERS = (
    "INSERT INTO `user_data` (`ind`, `first_name`, `last_name`, `age`, `date_joined`) "
    "VALUES (%s, %s, %s, %s, %s)"
)

# The last key of any of the three tables; NULL when all are empty.
LAST_KEY = (
    "SELECT GREATEST(COALESCE((SELECT MAX(`index`) FROM `pinterest_data`), -1), "
    "COALESCE((SELECT MAX(`ind`) FROM `geolocation_data`), -1), "
    "COALESCE((SELECT MAX(`ind`) FROM `user_data`), -1))"
)

COUNT_ROWS = {
    POSTS_TABLE: "SELECT COUNT(*) FROM `pinterest_data`",
    GEOLOCATION_TABLE: "SELECT COUNT(*) FROM `geolocation_data`",
    USERS_TABLE: "SELECT COUNT(*) FROM `user_data`",
}
TRUNCATE_TABLES = (
    "TRUNCATE TABLE `pinterest_data`",
    "TRUNCATE TABLE `geolocation_data`",
    "TRUNCATE TABLE `user_data`",
)
