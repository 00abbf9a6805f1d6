"""Turn the text of a cron expression into sets of allowed values."""

from .errors import CronParseError
from .fields import FIELDS

ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def split_expression(text):
    """Split an expression into its five field texts, expanding aliases."""
    if not isinstance(text, str):
        raise CronParseError(f"expression must be a string, not {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise CronParseError("empty cron expression")
    if stripped.startswith("@"):
        try:
            stripped = ALIASES[stripped.lower()]
        except KeyError:
            raise CronParseError(f"unknown alias {stripped!r}") from None
    parts = stripped.split()
    if len(parts) != len(FIELDS):
        raise CronParseError(
            f"expected {len(FIELDS)} fields, got {len(parts)} in {text!r}"
        )
    return parts


def parse_field(text, spec):
    """Return the frozenset of values that ``text`` allows for ``spec``.

    A field is a comma separated list of items; each item is ``*``, a
    single value, or a range ``a-b``, optionally followed by ``/step``.
    Values may be numbers or, for months and days of the week, names.
    """
    if not text:
        raise CronParseError(f"empty {spec} field", spec.name)
    values = set()
    for item in text.split(","):
        if not item:
            raise CronParseError(f"empty list item in {spec} field {text!r}", spec.name)
        values.update(_parse_item(item, spec))
    return frozenset(values)


def _parse_item(item, spec):
    base, slash, step_text = item.partition("/")
    step = _parse_step(step_text, spec) if slash else 1
    if base == "*":
        start, end = spec.min_value, spec.max_value
    elif "-" in base:
        low, _, high = base.partition("-")
        start = _parse_value(low, spec)
        end = _parse_value(high, spec)
        if start > end:
            raise CronParseError(
                f"range {base!r} in {spec} field goes backwards", spec.name
            )
    else:
        value = _parse_value(base, spec)
        if not slash:
            return {spec.normalize(value)}
        start = end = value
    return set(range(start, end + 1, step))


def _parse_step(text, spec):
    if not text.isdigit():
        raise CronParseError(f"invalid step {text!r} in {spec} field", spec.name)
    step = int(text)
    if step == 0:
        raise CronParseError(f"step must be positive in {spec} field", spec.name)
    return step


def _parse_value(token, spec):
    if token.isdigit():
        value = int(token)
    else:
        value = spec.names.get(token.lower())
        if value is None:
            raise CronParseError(f"invalid {spec} value {token!r}", spec.name)
    if not spec.contains(value):
        raise CronParseError(
            f"{spec} value {value} out of range {spec.min_value}-{spec.max_value}",
            spec.name,
        )
    return value
