"""Text for a terminal: control characters from case data made visible, never obeyed.

Case text is data. Printed raw, an ESC [2J clears the screen, an OSC 8 sequence plants a
link and OSC 0 retitles the window; a carriage return or a bidi override hides what
came before. Every printer of the command line passes what it shows through
`escape_controls`. Files (and data formats sent to a file or a pipe) keep the exact text.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidi embedding, override
# and isolate characters (which reorder what a terminal shows).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """The text with every control character written as a visible escape (\\x1b, \\u202e)."""
    return _CONTROL.sub(_visible, text)
