"""The code labels of returned files and the CMS-1500 box of each 837P segment, read from templates/x12/acks.toml
(data, not logic), once per process."""

from __future__ import annotations

from functools import cache


@cache
def tables() -> dict:
    import tomllib

    from claimkit.core.resources import template

    return tomllib.loads(template("x12", "acks.toml").read_text(encoding="utf-8"))


def label(table: str, code: str) -> str:
    """Our words for a code, or '' when the table has none for it."""
    value = tables()[table].get(code, "")
    return value[0] if isinstance(value, list) else value


@cache
def entity(code: str) -> tuple[str, str]:
    """(whose data, the boxes it fills) for an entity identifier code."""
    value = tables()["entity"].get(code)
    return (value[0], value[1]) if value else (f"entity {code}" if code else "", "")


def box(key: str, element: str = "") -> str:
    """The CMS-1500 box an 837P segment (key as recorded at export: 'NM1*85', 'N3@IL', 'CLM') or one of its elements
    fills; '' when no box holds it."""
    boxes = tables()["box"]
    if element:
        found = boxes.get(f"{key}.{int(element):02d}" if element.isdigit() else "")
        if found:
            return found
    return boxes.get(key) or boxes.get(key.split("@")[0].split("*")[0], "")


@cache  # a file of 5,000 claims says the same few things
def status_words(category: str, code: str, entity_code: str) -> str:
    """An STC composite in plain words: 'rejected for invalid information: the entity's NPI (the billing provider,
    box 33, 33a)'."""
    cat = label("category", category) or f"category {category}"
    words = cat
    if code:
        what = label("status", code)
        who, boxes = entity(entity_code)
        if what and who:
            what = what.replace("the entity's", f"{who}'s").replace("the entity", who)
        words += f": {what or 'status ' + code}"
        if who and (not what or who not in what):
            words += f" ({who})"
        if boxes:
            words += f" [box {boxes}]" if boxes[:1].isdigit() else f" [{boxes}]"
    return words
