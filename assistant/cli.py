"""The `sitrep` command: ingest, ask, eval, chat, stats, remove, actors, control, incidents, claims. Thin over
Assistant; errors print without tracebacks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from assistant.errors import SitrepError
from assistant.models import Filters
from assistant.settings import Settings, load_settings

if TYPE_CHECKING:
    from assistant.core import Assistant

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Cited answers about armed conflicts.")

IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder (default: ~/.sitrep/index).")]
BackendOpt = Annotated[str | None, typer.Option(
    "--backend", help="Answer backend: extractive, openai or ollama (default: SITREP_ANSWER__BACKEND).")]
F = TypeVar("F", bound=Callable[..., Any])


def _friendly(func: F) -> F:
    """User errors (SitrepError) become one red line and exit code 1, never a traceback."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SitrepError as exc:
            typer.secho(f"error: {exc}", fg="red", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _settings(index: Path | None, backend: str | None = None) -> Settings:
    return load_settings().with_index(index).with_backend(backend)


def _assistant(index: Path | None, backend: str | None = None) -> Assistant:
    from assistant.core import Assistant

    return Assistant(_settings(index, backend))


@app.command()
@_friendly
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of reports.")],
    index: IndexOpt = None,
    prune: Annotated[bool | None, typer.Option("--prune/--no-prune",
                                               help="Remove documents whose files left a synced folder.")] = None,
) -> None:
    """Ingest reports (txt, md, html, pdf, json, jsonl, csv); unchanged files are not embedded again.

    Each folder becomes a root: its documents' ids are NAME/path (NAME = the folder's name).
    """
    report = _assistant(index).ingest(paths, prune=prune)
    for note in report.notes:
        typer.echo(note, err=True)
    for skipped in report.skipped:
        typer.secho(f"skipped {skipped.path}: {skipped.reason}", fg="yellow", err=True)
    typer.echo(report.summary())
    if report.ingested + report.unchanged + report.replaced == 0 and report.skipped:
        raise typer.Exit(1)


@app.command()
@_friendly
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
    k: Annotated[int | None, typer.Option("--k", help="Passages to retrieve.")] = None,
    since: Annotated[str | None, typer.Option(help="Only reports published on/after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Only reports published on/before YYYY-MM-DD.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only this source (repeatable).")] = None,
    doc: Annotated[list[str] | None, typer.Option(help="Only this doc_id (repeatable).")] = None,
    backend: BackendOpt = None,
    after: Annotated[list[str] | None, typer.Option(
        "--after", help="An earlier question of the conversation (repeatable): this one may follow up on it.")] = None,
) -> None:
    """Answer a question with cited passages (or say the corpus cannot answer it).

    With an LLM backend the draft is printed (to stderr) as it is generated, then the verified answer.
    """
    from assistant.answer import render_plain
    from assistant.models import Answer

    filters = Filters(date_from=_date(since, "--since"), date_to=_date(until, "--until"),
                      sources=source or [], doc_ids=doc or [])
    answer: Answer | None = None
    streamed = False
    for event in _assistant(index, backend).ask_stream(question, filters=filters, k=k, history=after or None):
        if isinstance(event, Answer):
            answer = event
        elif not as_json:
            typer.secho(event, nl=False, err=True, dim=True)
            streamed = True
    assert answer is not None
    if streamed:
        typer.echo("\n--- verified ---", err=True)
    typer.echo(answer.model_dump_json(indent=2) if as_json else render_plain(answer))


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SitrepError(f"{option} wants a date as YYYY-MM-DD, got {value!r}") from None


@app.command("eval")
@_friendly
def eval_cmd(
    corpus: Annotated[Path | None, typer.Option(help="Ingest this folder into a fresh index first.")] = None,
    gold: Annotated[Path | None, typer.Option(help="Gold Q&A JSONL (default: the packaged demo gold set).")] = None,
    index: IndexOpt = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write metrics and per-question records.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write a Markdown report, worst questions first.")] = None,
    k: Annotated[int, typer.Option(help="Passages retrieved per question (recall@k).")] = 8,
    backend: BackendOpt = None,
) -> None:
    """Run the gold questions through ask() and print citation/answer/retrieval metrics per category."""
    from eval.run import demo_corpus, demo_gold, format_table, run_eval, write_json, write_report

    if corpus is None and index is None:
        corpus = demo_corpus()
    result = run_eval(corpus=corpus, gold=gold or demo_gold(), index=index, k=k,
                      settings=load_settings().with_backend(backend))
    typer.echo(format_table(result))
    if result.knowledge:
        typer.echo("\nConflict knowledge (eval/incident_gold.jsonl, eval/control_gold.jsonl):\n"
                   + str(result.knowledge.get("table", "")))
    if json_out:
        write_json(result, json_out)
    if report:
        write_report(result, report)


@app.command()
@_friendly
def chat(
    index: IndexOpt = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1: this machine only).")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    backend: BackendOpt = None,
    share: Annotated[bool, typer.Option("--share", help="Also publish a public gradio.live link.")] = False,
) -> None:
    """Open the analyst's workbench: chat with the evidence panel, filters, corpus upload, eval results."""
    from assistant.app import launch

    settings = _settings(index, backend)
    launch(settings, host=host or settings.ui.host, port=port or settings.ui.port, share=share)


@app.command()
@_friendly
def stats(index: IndexOpt = None) -> None:
    """What the index holds, with its roots (name, path, documents, whether the folder still exists)."""
    typer.echo(json.dumps(_assistant(index).stats(), indent=2))


@app.command()
@_friendly
def remove(
    target: Annotated[str, typer.Argument(help="A root name (all its documents) or a document id ROOT/path.")],
    index: IndexOpt = None,
) -> None:
    """Remove a root or one document from the index (a document comes back if its folder is ingested again)."""
    typer.echo(_assistant(index).remove(target).summary())


@app.command()
@_friendly
def actors(
    name: Annotated[str | None, typer.Argument(help="An actor under any alias (case-insensitive); none: list all.")]
    = None,
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    top: Annotated[int, typer.Option("--top", help="Most-cited passages to show.")] = 5,
) -> None:
    """The actor registry: every actor (type, aliases, passages naming it), or one actor with its most-cited
    passages, each with its citation (doc_id:start-end)."""
    from assistant.conflict.render import show_actor, show_actors

    assistant = _assistant(index)
    if name is None:
        typer.echo(show_actors(assistant.actors(), as_json))
    else:
        typer.echo(show_actor(assistant.actor(name, top=top), as_json))


@app.command()
@_friendly
def control(
    place: Annotated[str, typer.Argument(help="A place, as reports write it (with or without 'al-').")],
    index: IndexOpt = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Only claims dated on/before YYYY-MM-DD.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Who took, held, lost or besieged a place: the cited claims by date, and the latest claim of each source."""
    from assistant.conflict.render import show_control

    typer.echo(show_control(_assistant(index).control(place, _date(as_of, "--as-of")), as_json))


@app.command()
@_friendly
def incidents(
    index: IndexOpt = None,
    event_type: Annotated[str | None, typer.Option("--type", help="Event type (airstrike, shelling, clash, ...).")]
    = None,
    place: Annotated[str | None, typer.Option("--place", help="Only sentences naming this place.")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Only sentences naming this actor (any alias).")] = None,
    since: Annotated[str | None, typer.Option(help="Only events on/after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Only events on/before YYYY-MM-DD.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    limit: Annotated[int | None, typer.Option("--limit", help="Show at most this many.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Also write them in ACLED's columns to FILE.")]
    = None,
    grouped: Annotated[bool, typer.Option("--grouped", help="Group the reports of one event; each source's "
                                          "figures kept apart.")] = False,
) -> None:
    """Sentences reporting an event: type (and ACLED's), date, place, perpetrator and target, casualty figures,
    source, citation; with --grouped, one incident per event with each source's figures."""
    from assistant.conflict.incidents import groups_to_csv, to_csv
    from assistant.conflict.render import show_groups, show_incidents

    assistant = _assistant(index)
    filters: dict[str, Any] = {"event_type": event_type, "place": place, "actor": actor,
                               "since": _date(since, "--since"), "until": _date(until, "--until")}
    if grouped:
        groups = assistant.incident_groups(**filters)
        groups = groups[:limit] if limit else groups
        _write(csv_out, lambda: groups_to_csv(groups))
        typer.echo(show_groups(groups, as_json))
        _extractor_notes(assistant)
        return
    found = assistant.incidents(**filters)
    found = found[:limit] if limit else found
    _write(csv_out, lambda: to_csv(found))
    typer.echo(show_incidents(found, as_json))
    _extractor_notes(assistant)


def _extractor_notes(assistant: Any) -> None:
    """One line on stderr when the LLM incident extractor fell back to the rules for some passages."""
    extractor = assistant.incident_extractor()
    if extractor is not None and extractor.notes:
        typer.echo(f"note: the LLM incident extraction fell back to the rules for {len(extractor.notes)} "
                   f"passage(s); first: {extractor.notes[0]}", err=True)


def _write(target: Path | None, text: Callable[[], str]) -> None:
    if target is None:
        return
    try:
        target.write_text(text(), encoding="utf-8")
    except OSError as exc:
        raise SitrepError(f"cannot write {target}: {exc.strerror or exc}") from None


@app.command()
@_friendly
def claims(
    question: Annotated[str, typer.Argument(help="A contested question ('what does each side claim about ...').")],
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    k: Annotated[int | None, typer.Option("--k", help="Passages to retrieve.")] = None,
) -> None:
    """Who claims what: each source's claim about the question, named and cited, and whether they disagree."""
    from assistant.conflict.render import show_claims

    typer.echo(show_claims(_assistant(index).claims(question, k=k), as_json))


def main() -> None:
    app(prog_name="sitrep")


if __name__ == "__main__":
    main()
