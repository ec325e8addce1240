"""Name and value patterns shared by the environment files (config.py) and the constructs.
Cheap to import: no cdktf."""

import re

HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
TIME_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
DB_CLASS = re.compile(r"^db\.[a-z0-9-]+\.[a-z0-9]+$")
CACHE_TYPE = re.compile(r"^cache\.[a-z0-9-]+\.[a-z0-9]+$")
INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
