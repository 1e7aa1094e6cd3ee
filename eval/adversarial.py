"""The verifier against a scripted adversarial LLM: the demo gold set through the real ``openai`` backend and a
local OpenAI-compatible stub whose "model" mixes correct cited statements with invented ones and wrong markers.

    python -m eval.adversarial [--corpus DIR] [--gold FILE] [--index DIR] [--json FILE]

Per answer the adversary writes: (1) the passage sentence that best matches the question, attributed and cited
with its own marker; (2) the runner-up sentence of another passage cited with a wrong marker; (3) an invented
casualty figure cited to the best passage; (4) an invented marker number. Reported: statements kept, re-cited,
dropped; citation precision and supported statements before verification (the draft, each marker citing its whole
passage) and after (the verified answer, each citation narrowed to a sentence span).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.answer.generate import draft_statements, remove_invented_markers
from assistant.answer.support import content_words
from assistant.answer.verifier import LexicalVerifier
from assistant.models import Answer, Citation
from eval.gold import load_gold
from eval.llm_stub import OpenAIStub, passages_in, prompt_of
from eval.metrics import Metrics, QuestionRecord, aggregate, score_question
from eval.run import demo_corpus, demo_gold, resolve_evidence

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"])")


def _question_of(prompt: str) -> str:
    tail = prompt.rsplit("Question:", 1)[-1]
    return tail.split("\n", 1)[0].strip()


def _best_sentences(question: str, passages: dict[int, str]) -> list[tuple[float, int, str]]:
    """(overlap with the question, passage number, sentence), best first; at most one sentence per passage."""
    asked = set(content_words(question))
    best: dict[int, tuple[float, int, str]] = {}
    for n, block in passages.items():
        text = block.split("\n", 1)[1] if "\n" in block else block
        for sentence in _SENTENCE_SPLIT.split(text.strip()):
            words = set(content_words(sentence))
            score = len(asked & words) / (len(asked) or 1)
            if len(sentence) >= 20 and (n not in best or score > best[n][0]):
                best[n] = (score, n, sentence.strip())
    return sorted(best.values(), key=lambda x: (-x[0], x[1]))


def adversary(messages: list[dict[str, Any]]) -> str:
    """The scripted adversarial model (deterministic per question)."""
    prompt = prompt_of(messages)
    passages = passages_in(prompt)
    question = _question_of(prompt)
    ranked = _best_sentences(question, passages)
    if not ranked:
        return "No passages."
    seed = int(hashlib.sha256(question.encode()).hexdigest(), 16)
    parts: list[str] = []
    _, n1, s1 = ranked[0]
    source = passages[n1].split("\n", 1)[0].split(" — ")[1:2] or ["the report"]
    parts.append(f"According to {source[0]}, {s1.rstrip('.')} [{n1}].")
    if len(ranked) > 1:
        _, n2, s2 = ranked[1]
        wrong = next((m for m in sorted(passages) if m not in (n1, n2)), n1)
        parts.append(f"{s2.rstrip('.')} [{wrong}].")
    invented = 12 + seed % 80
    parts.append(f"The strike also killed {invented} civilians, including {seed % 9 + 2} children [{n1}].")
    parts.append(f"Rescue teams were still searching the rubble on the following day [{len(passages) + 3}].")
    return " ".join(parts)


def draft_answer(answer: Answer) -> Answer:
    """The unverified draft as an Answer: its own markers, each citing the whole passage it names."""
    draft = str(answer.debug.get("draft", ""))
    k = len(answer.passages)
    citations: list[Citation] = []
    for m in sorted({int(x) for x in re.findall(r"\[(\d+)\]", draft)}):
        if 1 <= m <= k:
            view = answer.passages[m - 1].view
            p = view.passage
            citations.append(Citation(marker=m, passage_id=p.passage_id, doc_id=p.doc_id, start=p.start, end=p.end,
                                      quote=p.text, title=view.title, source=view.source, published=view.published,
                                      url=view.url))
    return Answer(question=answer.question, text=draft or answer.text, citations=citations,
                  passages=list(answer.passages), abstained=not draft)


def narrowed_draft(answer: Answer, verifier: LexicalVerifier) -> Answer:
    """The draft with each of its markers narrowed to the best sentence span of the passage it names, nothing
    verified, re-cited or dropped: separates what narrowing does from what verification does."""
    draft = str(answer.debug.get("draft", ""))
    text, _ = remove_invented_markers(draft, len(answer.passages))
    keys: dict[tuple[str, int, int], int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    for sentence, markers in draft_statements(text):
        own: list[int] = []
        for m in markers:
            found = verifier.supports(sentence, [answer.passages[m - 1]])
            if not found:
                continue
            s = found[0]
            view = s.passage.view
            key = (view.passage.passage_id, s.start, s.end)
            if key not in keys:
                keys[key] = len(keys) + 1
                citations.append(Citation(marker=keys[key], passage_id=view.passage.passage_id,
                                          doc_id=view.passage.doc_id, start=s.start, end=s.end, quote=s.quote,
                                          title=view.title, source=view.source, published=view.published,
                                          url=view.url))
            own.append(keys[key])
        lines.append(f"{sentence} {''.join(f'[{m}]' for m in own)}.")
    return Answer(question=answer.question, text=" ".join(lines) or answer.text, citations=citations,
                  passages=list(answer.passages), abstained=not draft)


def _row(name: str, m: Metrics) -> str:
    def f(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.2f}"

    return (f"{name:<22} {f(m.answer_accuracy):>10} {f(m.citation_recall):>10} {f(m.citation_precision):>9} "
            f"{f(m.supported_statements):>9} {f(m.abstention_recall):>9}")


def run(corpus: Path, gold: Path, index: Path | None, k: int = 8) -> dict[str, Any]:
    from assistant.core import Assistant
    from assistant.settings import Settings

    items = load_gold(gold)
    with OpenAIStub(adversary) as stub, tempfile.TemporaryDirectory(prefix="sitrep-adv-") as tmp:
        base = Settings().with_index(index or Path(tmp)).with_backend("openai")
        settings = base.model_copy(update={"llm": base.llm.model_copy(update={"base_url": stub.base_url,
                                                                                "timeout_s": 30.0})})
        assistant = Assistant(settings)
        if assistant.store.count()[0] == 0:
            assistant.ingest([corpus], progress=False)
        spans, _ = resolve_evidence(items, assistant, corpus=corpus)
        verifier = LexicalVerifier(assistant.embedder)
        before: list[QuestionRecord] = []
        narrowed: list[QuestionRecord] = []
        after: list[QuestionRecord] = []
        counts = {"kept": 0, "recited": 0, "dropped": 0, "unverified": 0}
        removed = fallbacks = 0
        for item in items:
            t0 = time.perf_counter()
            answer = assistant.ask(item.question, k=k)
            latency = time.perf_counter() - t0
            after.append(score_question(item, spans[item.id], answer, latency, k))
            before.append(score_question(item, spans[item.id], draft_answer(answer), latency, k))
            narrowed.append(score_question(item, spans[item.id], narrowed_draft(answer, verifier), latency, k))
            for key, value in answer.debug.get("counts", {}).items():
                counts[key] += value
            removed += len(answer.debug.get("removed_markers", []))
            fallbacks += bool(answer.notes)
        assistant.close()
    statements = sum(counts.values())
    return {"questions": len(items), "statements": statements, **counts, "invented_markers_removed": removed,
            "fallbacks_to_extractive": fallbacks, "before": aggregate(before).model_dump(),
            "before_narrowed": aggregate(narrowed).model_dump(),
            "after": aggregate(after).model_dump(), "requests": len(stub.requests)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--gold", type=Path, default=None)
    parser.add_argument("--index", type=Path, default=None, help="Reuse (or fill) this index folder.")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--k", type=int, default=8)
    args = parser.parse_args()
    result = run(args.corpus or demo_corpus(), args.gold or demo_gold(), args.index, args.k)
    print(f"{result['questions']} questions, {result['statements']} generated statements: "
          f"kept {result['kept']}, re-cited {result['recited']}, dropped {result['dropped']}, "
          f"unverified {result['unverified']}; invented markers removed {result['invented_markers_removed']}; "
          f"answers that fell back to extractive {result['fallbacks_to_extractive']}")
    print(f"{'':<22} {'answer_acc':>10} {'cit_recall':>10} {'cit_prec':>9} {'supported':>9} {'abst_rec':>9}")
    print(_row("draft (whole passages)", Metrics.model_validate(result["before"])))
    print(_row("draft (narrowed only)", Metrics.model_validate(result["before_narrowed"])))
    print(_row("after verification", Metrics.model_validate(result["after"])))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
