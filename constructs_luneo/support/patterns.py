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
#: An availability zone ID ("euw1-az1", "use1-az4", "apne1-az2").
AZ_ID = re.compile(r"^[a-z]{3,}\d-az\d{1,2}$")
#: An IAM role's name, optionally after its path ("platform/admins"): 64 characters at most for the name.
ROLE_NAME = re.compile(r"^([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")

#: AWS tag limits ("Tag naming limits and requirements", Tagging AWS Resources,
#: https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html): 50 user tags per resource
#: (the provider's default_tags are sent as ordinary tags and count), keys of 1-128 and values of
#: 0-256 Unicode characters of letters, digits, spaces and + - = . _ : / @, and no aws: prefix.
MAX_TAGS = 50
TAG_KEY = re.compile(r"^[\w .:/=+@-]{1,128}$")
TAG_VALUE = re.compile(r"^[\w .:/=+@-]{0,256}$")
#: The tags every resource gets through the provider's default_tags (stacks/environment.py).
DEFAULT_TAG_KEYS = ("Environment", "Project", "ManagedBy")


def tag_problem(key: str, value: object) -> str | None:
    """What AWS refuses about one tag (None when it is valid)."""
    if not TAG_KEY.match(key) or key.lower().startswith("aws:"):
        return f"tag key {key!r}: expected 1-128 letters, digits, spaces or + - = . _ : / @, not starting with aws:"
    if not isinstance(value, str) or ("${" not in value and not TAG_VALUE.match(value)):
        shown = value if not isinstance(value, str) or len(value) <= 40 else value[:37] + "..."
        return f"tag {key}: expected a value of 0-256 letters, digits, spaces or + - = . _ : / @, got {shown!r}"
    if value.lower().startswith("aws:"):
        return f"tag {key}: a value may not start with aws:"
    return None
