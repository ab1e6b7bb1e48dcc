"""Plain text for the context: paragraphs from a text, a title short enough for the header, Swedish name lists."""

from __future__ import annotations

# The running header holds the title on one line beside the diarienummer: longer titles are shortened.
HEADER_TITLE_MAX = 70


def paragraphs(text: str | None) -> list[str]:
    """A text split into Word paragraphs: one per non-empty line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def short_title(title: str, limit: int = HEADER_TITLE_MAX) -> str:
    """The title cut at a word boundary so that it fits the running header, with an ellipsis when cut."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return cut + "…"


def join_names(names: list[str]) -> str:
    """Swedish list: ``A``, ``A och B``, ``A, B och C``."""
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " och " + names[-1]
