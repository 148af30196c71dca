"""Text from files shown as text: a placeholder until the shared escaping module is merged."""

import re

_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:])")


def plain(value: object) -> str:
    """`value` as literal text inside Streamlit Markdown (labels, captions)."""
    return _MARKUP.sub(r"\\\1", str(value))
