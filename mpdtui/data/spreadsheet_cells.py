"""CSV cells from the data that a spreadsheet would run as formulas, written as text."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""How a cell a spreadsheet runs as a formula starts (OWASP's CSV injection list)."""


def spreadsheet_text(cell: str) -> str:
    """A cell from the data, as a spreadsheet shows it rather than runs it ("=HYPERLINK(...)"
    as a title): a leading `'`, the common practice, taken off again by `unguarded`."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def unguarded(cell: str) -> str:
    """A cell read from a CSV, without `spreadsheet_text`'s leading `'`."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell
