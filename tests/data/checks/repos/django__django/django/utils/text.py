def capfirst(value):
    """Capitalize the first letter of a string."""
    return value and str(value)[0].upper() + str(value)[1:]


def wrap(text, width):
    """Break text into lines of at most `width` characters, at spaces."""
    lines, line = [], ""
    for word in text.split():
        if len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line] if line else lines)
