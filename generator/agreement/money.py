"""Money split in whole öre: largest-remainder allocation."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

ORE = Decimal("0.01")


def largest_remainder(total: Decimal, weights: list[Decimal], unit: Decimal = ORE) -> list[Decimal]:
    """``total`` split in proportion to ``weights`` into whole ``unit``s (öre) that add up to exactly ``total``.

    Largest-remainder rounding: every part is first rounded down, and the units left over go one each to the parts
    that lost most by it (the earlier part first on a tie). ``total`` must be a whole number of units.
    """
    units = total / unit
    if units != units.to_integral_value():
        raise ValueError(f"{total} is not a whole number of {unit}")
    weight_sum = sum(weights, Decimal(0))
    if weight_sum <= 0:
        return [Decimal(0) * unit for _ in weights]
    exact = [units * w / weight_sum for w in weights]
    parts = [e.to_integral_value(rounding=ROUND_FLOOR) for e in exact]
    left = int(units - sum(parts, Decimal(0)))
    for i in sorted(range(len(parts)), key=lambda i: (parts[i] - exact[i], i))[:left]:
        parts[i] += 1
    return [(part * unit).quantize(unit) for part in parts]


def has_ore(amount: Decimal) -> bool:
    """True when ``amount`` has öre (is not a whole number of kronor)."""
    return amount != amount.to_integral_value()
