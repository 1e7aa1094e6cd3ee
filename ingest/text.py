"""Text normalisation, quote location and sentence spans.

Every offset Sitrep shows points into the *normalised* text, so the same normalisation must be applied to
anything we later search for in it (gold quotes, user quotes): ``locate`` does exactly that.
"""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans(
    {
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    }
)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HSPACE = re.compile(r"[ \t\f\v]+")
_MANY_NL = re.compile(r"\n{3,}")

# Markdown inline and block markup (only what changes the readable text).
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_MD_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_MD_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_ITALIC = re.compile(r"(?<![\w*])([*_])(?=\S)([^*_\n]+?)(?<=\S)\1(?![\w*])")
_MD_CODE = re.compile(r"`([^`]*)`")
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M)
_MD_HEADING_TAIL = re.compile(r"\s+#+\s*$", re.M)
_MD_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.M)
_MD_BULLET = re.compile(r"^[ \t]*[-*+][ \t]+", re.M)
_MD_RULE = re.compile(r"^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$", re.M)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MD_BLOCK_START = re.compile(r"^\s*(#|\||[-*+]\s|\d+[.)]\s|>|```|!\[)")


def _unwrap_markdown(text: str) -> str:
    """Join hard-wrapped lines of a Markdown paragraph, as a Markdown renderer would."""
    out: list[str] = []
    for line in text.split("\n"):
        prev = out[-1] if out else ""
        if prev.strip() and line.strip() and not _MD_BLOCK_START.match(line) and not _MD_BLOCK_START.match(prev):
            out[-1] = prev.rstrip() + " " + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def strip_markdown(text: str) -> str:
    """Remove Markdown markup, keeping the words a reader sees."""
    text = _HTML_COMMENT.sub("", text)
    text = _unwrap_markdown(text)
    text = _MD_RULE.sub("", text)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_REF_LINK.sub(r"\1", text)
    text = _MD_BOLD.sub(r"\2", text)
    text = _MD_ITALIC.sub(r"\2", text)
    text = _MD_CODE.sub(r"\1", text)
    text = _MD_HEADING_TAIL.sub("", _MD_HEADING.sub("", text))
    text = _MD_QUOTE.sub("", text)
    return _MD_BULLET.sub("", text)


def normalise_text(text: str, markdown: bool = False) -> str:
    """Canonical form of a document's text: NFKC, plain quotes, one space, at most one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    if markdown:
        text = strip_markdown(text)
    lines = [_HSPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_NL.sub("\n\n", "\n".join(lines)).strip()


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Find a quote (as written in a raw file) in normalised text; whitespace and case are flexible."""
    norm = normalise_text(quote, markdown=True)
    words = norm.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    match = re.search(pattern, text) or re.search(pattern, text, re.IGNORECASE)
    return (match.start(), match.end()) if match else None


# --- sentences -------------------------------------------------------------------------------------------

_ABBREVIATIONS = {
    "col", "gen", "lt", "maj", "sgt", "capt", "cpt", "cmdr", "adm", "brig", "mr", "mrs", "ms", "dr", "st",
    "no", "nos", "vs", "approx", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "gov", "sen", "rep", "pres", "prof", "e.g", "i.e", "cf", "fig", "est", "km", "ft",
}
_BOUNDARY = re.compile(r"[.!?\u2026]+[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\u0600-\u06FF])")


def _is_abbreviation(segment: str) -> bool:
    word = re.search(r"([\w.]+)[.!?]*[\"')\]]*\s*$", segment)
    if not word:
        return False
    token = word.group(1).rstrip(".").lower()
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()) or "." in token


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (absolute offsets) inside text[start:end]; line breaks always end a sentence."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for line in text[start:end].split("\n"):
        line_start = pos
        pos += len(line) + 1
        cut = 0
        for m in _BOUNDARY.finditer(line):
            if _is_abbreviation(line[: m.start() + 1]) and line[m.start()] == ".":
                continue
            spans.append((line_start + cut, line_start + m.end()))
            cut = m.end()
        spans.append((line_start + cut, line_start + len(line)))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e
