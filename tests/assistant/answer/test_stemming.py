"""Stems are the same whichever thread asks (one snowball stemmer object garbles words under concurrency)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from assistant.answer.stemming import stem


def test_stems_and_marks() -> None:
    assert stem("founded") == stem("found") and stem("killings") == "kill"
    assert stem("actor_sdf") == "actor_sdf" and stem("2019") == "2019"


def test_threads_get_the_same_stems() -> None:
    words = [f"{w}{s}" for w in ("captur", "withdraw", "shell", "bomb", "report", "announc") for s in
             ("ed", "ing", "es", "ement", "ers", "s")] * 20
    expected = {w: stem.__wrapped__(w) for w in words}

    def run(chunk: list[str]) -> dict[str, str]:
        return {w: stem.__wrapped__(w) for w in chunk}  # past the cache: the stemmer itself, many times over

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(run, [words[i::8] for i in range(8)] * 50))
    assert all(got == {w: expected[w] for w in got} for got in results)
