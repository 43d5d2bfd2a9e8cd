"""Positions for the overview, computed before the page is written so the browser needs no physics.

The overview is a forest (clusters hold cases, cases hold contexts), so a structured
layout is both cheaper and clearer than a force simulation: parents on a grid of
equal cells, each parent's children on rings around it.
"""

from __future__ import annotations

import math

Point = tuple[float, float]

CHILD_SPACING = 125.0  # px of ring between two children: room for a two-line label of a dozen characters
MIN_RADIUS = 170.0
RING_GAP = 110.0


def grid(n: int, cell: float, aspect: float = 16 / 9) -> list[Point]:
    """`n` cell centres on a grid about `aspect` times wider than high, centred on 0,0."""
    if n <= 0:
        return []
    cols = max(1, math.ceil(math.sqrt(n * aspect)))
    rows = math.ceil(n / cols)
    x0, y0 = -(cols - 1) * cell / 2, -(rows - 1) * cell / 2
    return [(round(x0 + (i % cols) * cell, 1), round(y0 + (i // cols) * cell, 1)) for i in range(n)]


def rings(centre: Point, n: int) -> list[Point]:
    """`n` places on concentric rings around `centre`, the inner ring filled first."""
    out: list[Point] = []
    radius = MIN_RADIUS
    while len(out) < n:
        fits = max(6, int(2 * math.pi * radius / CHILD_SPACING))
        take = min(fits, n - len(out))
        for i in range(take):
            a = 2 * math.pi * i / take + (0.35 if len(out) else 0.0)
            out.append((round(centre[0] + radius * math.cos(a), 1), round(centre[1] + radius * math.sin(a), 1)))
        radius += RING_GAP
    return out


def ring_radius(n: int) -> float:
    """The outer radius `rings` uses for `n` children."""
    radius, placed = MIN_RADIUS, 0
    while True:
        placed += max(6, int(2 * math.pi * radius / CHILD_SPACING))
        if placed >= n:
            return radius
        radius += RING_GAP
