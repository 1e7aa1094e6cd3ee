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
# Runs of horizontal space that change when collapsed to one space (a lone space is left alone: cheaper).
_HSPACE = re.compile(r"[\t\f\v][ \t\f\v]*| [ \t\f\v]+")
_MANY_NL = re.compile(r"\n{3,}")

# Markdown inline and block markup (only what changes the readable text).
# Images ![alt](url), links [text](url) and reference links [text][ref]: the tail after the closing "]" (see
# _sub_bracketed for why these are not whole-pattern regexes).
_MD_IMAGE_TAIL = re.compile(r"\([^)]*\)")
_MD_LINK_TAIL = re.compile(r"\((?:[^()]|\([^)]*\))*\)")
_MD_REF_TAIL = re.compile(r"\[[^\]]*\]")
_MD_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_ITALIC = re.compile(r"(?<![\w*])([*_])(?=\S)([^*_\n]+?)(?<=\S)\1(?![\w*])")
_MD_CODE = re.compile(r"`([^`]*)`")
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M)
_MD_HEADING_TAIL = re.compile(r"\s+#+\s*$", re.M)
_MD_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.M)
_MD_BULLET = re.compile(r"^[ \t]*[-*+][ \t]+", re.M)
_MD_RULE = re.compile(r"^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$", re.M)
_MD_BLOCK_START = re.compile(r"^\s*(#|\||[-*+]\s|\d+[.)]\s|>|```|!\[)")


def _unwrap_markdown(text: str) -> str:
    """Join hard-wrapped lines of a Markdown paragraph, as a Markdown renderer would.

    A line joins the paragraph above it when both hold text and neither starts a block (heading, list item,
    quote, table row, fence, image); the paragraph counts as starting a block when its first line does, once
    the line after it is joined on ("1." + " next" reads as a list item). Paragraphs are built as lists of
    lines and joined once, so a hard-wrapped paragraph of any length costs linear time.
    """
    paragraphs: list[list[str]] = []
    joinable = False  # may the next line join the last paragraph?
    for line in text.split("\n"):
        stripped = line.strip()
        if joinable and stripped and not _MD_BLOCK_START.match(line):
            paragraph = paragraphs[-1]
            if len(paragraph) == 1:
                paragraph[0] = paragraph[0].rstrip()
                # what follows the first line cannot change whether the joined text starts a block, as long as
                # the separating space is there: every block marker ends at or before it
                joinable = not _MD_BLOCK_START.match(paragraph[0] + " ")
            paragraph.append(stripped)
        else:
            paragraphs.append([line])
            joinable = bool(stripped) and not _MD_BLOCK_START.match(line)
    return "\n".join(" ".join(paragraph) for paragraph in paragraphs)


def _drop_html_comments(text: str) -> str:
    """Remove <!-- ... --> comments (what re.sub("<!--.*?-->", "", text, flags=re.S) does, in linear time:
    after an unclosed "<!--" nothing further can close, so the scan stops instead of retrying at every later
    "<!--")."""
    out: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) >= 0 and (end := text.find("-->", start + 4)) >= 0:
        out.append(text[pos:start])
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)


def _sub_bracketed(text: str, opener: str, tail: re.Pattern[str], keep_label: bool, empty_label: bool) -> str:
    r"""Replace ``opener label ] tail`` by the label (or by nothing), leftmost first like re.sub.

    The same as re.sub over ``re.escape(opener) + r"([^\]]+)\]" + tail`` (``*`` for an empty label), in
    linear time: the regex retries at every opener and rescans to the next "]" each time, quadratic in a
    long line with many unmatched "[". Here every opener before a given "]" shares that "]" and therefore
    the same tail, so when the tail fails they are all skipped at once.
    """
    out: list[str] = []
    pos = 0
    at = text.find(opener)
    while at >= 0:
        label = at + len(opener)
        close = text.find("]", label)
        if close < 0:
            break
        match = tail.match(text, close + 1) if empty_label or close > label else None
        if match:
            out += [text[pos:at], text[label:close] if keep_label else ""]
            pos = match.end()
            at = text.find(opener, pos)
        else:
            at = text.find(opener, close + 1 if close > label else at + 1)
    out.append(text[pos:])
    return "".join(out)


def strip_markdown(text: str) -> str:
    """Remove Markdown markup, keeping the words a reader sees."""
    text = _drop_html_comments(text)
    text = _unwrap_markdown(text)
    text = _MD_RULE.sub("", text)
    text = _sub_bracketed(text, "![", _MD_IMAGE_TAIL, keep_label=False, empty_label=True)
    text = _sub_bracketed(text, "[", _MD_LINK_TAIL, keep_label=True, empty_label=False)
    text = _sub_bracketed(text, "[", _MD_REF_TAIL, keep_label=True, empty_label=False)
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
# A run of sentence-ending punctuation, closing quotes/brackets and whitespace before a capital, digit or
# Arabic letter. The look-behind lets a match start only at the first character of a punctuation run (a later
# start inside the same run cannot succeed where the first failed), so a long run of "!!!" or "..." is
# scanned once instead of once per character.
_BOUNDARY = re.compile(r"(?<![.!?\u2026])[.!?\u2026]+[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\u0600-\u06FF])")
# The word before a full stop, read right to left in the *reversed* line: trailing .!? then word characters
# and dots. Matching leftwards from the stop costs the length of that word only; searching the line's prefix
# for a word anchored at its end (the old way) cost the whole prefix at every stop: quadratic in line length.
_WORD_BEFORE_REVERSED = re.compile(r"[.!?]*[\w.]+")


def _is_abbreviation(reversed_line: str, stop: int) -> bool:
    r"""Whether the full stop at index ``stop`` of the line ends an abbreviation or an initial, not a sentence.

    ``reversed_line`` is the line reversed (computed once per line), so the word before the stop is a
    forward match in it. The word is the longest run ``[\w.]+[.!?]*`` ending at the stop; it is an abbreviation
    when, without its trailing .!?, it is a listed abbreviation, a single letter (an initial) or contains a
    dot itself (U.S., e.g., 3.5).
    """
    word = _WORD_BEFORE_REVERSED.match(reversed_line, len(reversed_line) - 1 - stop)
    if not word:
        return False
    token = word[0][::-1].rstrip(".!?").lower()
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()) or "." in token


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (absolute offsets) inside text[start:end]; line breaks always end a sentence.

    Linear in the length of the text, however long its lines.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for line in text[start:end].split("\n"):
        line_start = pos
        pos += len(line) + 1
        cut = 0
        reversed_line = ""
        for m in _BOUNDARY.finditer(line):
            if line[m.start()] == ".":
                reversed_line = reversed_line or line[::-1]
                if _is_abbreviation(reversed_line, m.start()):
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
