"""Two questions asked in one ("is anything still not acknowledged, and who acked the filler trip?").

The router reads one question: asked two at once, the machine one part named scoped the other part
(qa12 Q12-5: the unacknowledged alarms narrowed to the Filler, the Labeller's left out, a wrong fact by
omission) and the second part got no answer. So the question is split where one question ends and the
next begins (", and" / "; also" / "? " / "und" in German before a question word) and each part is
routed on its own (`Assistant.answer`). A part that refers back to the first ("..., and how long was it
down?") is not a question of its own: then the whole is one question, as before.
"""

from __future__ import annotations

import re

# The words a question starts with (English, and German read as typed).
_ASK_EN = (
    r"who|whom|whose|what|what's|when|where|why|how|which|is|are|was|were|did|does|do|has|have|had|can|could"
    r"|any|give|show|tell|list"
)
_ASK_DE = (
    r"wer|wen|wem|was|wann|wo|warum|wieso|weshalb|wie|welche\w*|ist|sind|war|waren|hat|haben|gibt|gab|zeig\w*"
)

# Where one question ends and the next begins.
_SPLIT = re.compile(
    r"\s*[;；]\s*(?:(?:and|also|plus|und|außerdem|ausserdem)\b[\s,]*)*"
    r"|\s*[,，]\s*(?:and|also|plus|und|außerdem|ausserdem)\b[\s,]*(?:(?:also|außerdem)\b\s*)?"
    r"|\s*[?？]\s+(?:(?:and|also|plus|und|außerdem)\b[\s,]*)*(?=\S)"
    rf"|\s+and\s+(?:also\s+)?(?=(?:{_ASK_EN})\b)"
    rf"|\s+und\s+(?:auch\s+)?(?=(?:{_ASK_DE})\b)",
    re.I,
)

# A part that points back at what another part named is no question of its own.
_REFERS_BACK = re.compile(
    r"\b(it|its|it's|they|them|their|theirs|there|then|that one|those|the same|he|she|him|her|his"
    r"|ihn|ihm|ihr|ihre|ihren|dort|dann|damals|deswegen|dafür|dabei|davor|danach|derselbe|dieselbe)\b",
    re.I,
)


def split_parts(question: str) -> list[str]:
    """The questions asked, each as it was typed; one part when it is one question."""
    q = (question or "").strip()
    parts = [p.strip(" ,;?？。.!") for p in _SPLIT.split(q)]
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return [q]
    if any(len(p.split()) < 2 for p in parts) or any(_REFERS_BACK.search(p) for p in parts[1:]):
        return [q]
    return parts
