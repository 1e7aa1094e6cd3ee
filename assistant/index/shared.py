"""The team's shared truth on a Chroma server: document records in a second collection beside the vectors.

With ``SITREP_INDEX__CHROMA_URL`` set, the server holds everything an answer needs, so a client whose index
folder is empty answers what a teammate ingested. The collection ``<vectors>-records`` holds (each record has a
constant one-dimensional embedding; only ids and metadata matter):

- ``d/<doc_id>`` — a document record, the commit point: content hash, root, writer (the index folder id that
  wrote it), the ids of its passages and how many blob parts hold its payload. Small, so listing every
  document (to compare hashes) is cheap.
- ``b/<hash>/<i>/<doc_id>`` — the payload of one version of a document in parts: the document (text, title,
  source, date, ...), its passages (text, character spans, sentence spans, evidence frames) and the answerer's
  sentence/window vectors (float16, base64). Keyed by the content hash, so writing a new version never touches
  the blob a reader of the old record is fetching; the old version's parts are deleted after the new record.
- ``r/<name>`` — a root: its folder path and its owner (the index folder that ingested it). Other clients never
  prune, move or absorb a root they do not own, and never reuse its name.
- ``state`` — a random token replaced after every write; a client whose last sync saw the same token has
  nothing to fetch (one small request per question).

A writer stores the vectors, then the blob, then the document record (the commit point), then deletes what the
old version had. Removal deletes the document record first. Each client keeps its SQLite file (documents,
passages, frames, sentence vectors, the BM25 postings) as a cache of the records: ``Store.refresh`` compares the
server's hashes with the local ones and fetches what changed, drops what the server no longer has.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.models import Document, Passage

#: Characters per blob part (Chroma metadata strings; a 25 MB file makes a few dozen parts).
PART_CHARS = 1_000_000
#: Records per request when fetching.
BATCH = 64

SentenceRow = tuple[str, int, bytes, bytes]


@dataclass(frozen=True)
class DocRecord:
    """The listing entry of one committed document on the server."""

    doc_id: str
    content_hash: str
    root: str
    writer: str
    parts: int
    passage_ids: tuple[str, ...]


@dataclass(frozen=True)
class RootRecord:
    name: str
    path: str
    owner: str


def encode_payload(doc: Document, passages: Sequence[Passage], rows: Sequence[SentenceRow]) -> str:
    return json.dumps({
        "doc": doc.model_dump(mode="json"),
        "passages": [p.model_dump(mode="json") for p in passages],
        "sentences": [[pid, start, base64.b64encode(s).decode(), base64.b64encode(w).decode()]
                      for pid, start, s, w in rows],
    })


def decode_payload(text: str) -> tuple[Document, list[Passage], list[SentenceRow]]:
    data = json.loads(text)
    doc = Document.model_validate(data["doc"])
    passages = [Passage.model_validate(p) for p in data["passages"]]
    rows = [(pid, int(start), base64.b64decode(s), base64.b64decode(w)) for pid, start, s, w in data["sentences"]]
    return doc, passages, rows


def _blob_ids(doc_id: str, content_hash: str, parts: int) -> list[str]:
    return [f"b/{content_hash}/{i}/{doc_id}" for i in range(parts)]


class ServerRecords:
    """Document, root and state records of one vector collection on a Chroma server."""

    def __init__(self, client: Callable[[], Any], name: str) -> None:
        self._client = client
        self.name = name
        self._collection: Any = None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self._client().get_or_create_collection(
                self.name, embedding_function=None, metadata={"hnsw:space": "l2", "sitrep": "records"})
        return self._collection

    def _upsert(self, ids: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        for i in range(0, len(ids), BATCH):
            chunk = list(ids[i:i + BATCH])
            self.collection.upsert(ids=chunk, embeddings=[[1.0]] * len(chunk), metadatas=list(metadatas[i:i + BATCH]))

    def _delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), 1000):
            self.collection.delete(ids=ids[i:i + 1000])

    # --- state ------------------------------------------------------------------------------------------

    def token(self) -> str | None:
        """The token of the last write (None before any)."""
        metas = self.collection.get(ids=["state"], include=["metadatas"])["metadatas"]
        return str(metas[0]["token"]) if metas else None

    def bump(self) -> None:
        self._upsert(["state"], [{"kind": "state", "token": uuid.uuid4().hex}])

    # --- documents --------------------------------------------------------------------------------------

    def listing(self, doc_ids: Sequence[str] | None = None) -> dict[str, DocRecord]:
        """Every committed document record (or those of ``doc_ids``), by doc id."""
        if doc_ids is None:
            got = self.collection.get(where={"kind": "doc"}, include=["metadatas"])
        elif not doc_ids:
            return {}
        else:
            got = self.collection.get(ids=[f"d/{d}" for d in doc_ids], include=["metadatas"])
        out = {}
        for meta in got["metadatas"]:
            record = DocRecord(doc_id=str(meta["doc_id"]), content_hash=str(meta["hash"]), root=str(meta["root"]),
                               writer=str(meta["writer"]), parts=int(meta["parts"]),
                               passage_ids=tuple(json.loads(str(meta["passages"]))))
            out[record.doc_id] = record
        return out

    def put_document(self, doc: Document, passages: Sequence[Passage], rows: Sequence[SentenceRow],
                     writer: str, known: bool = True) -> DocRecord | None:
        """Blob parts, then the document record (the commit point), then the old version's parts deleted.
        Returns the record it replaced (None for a new document). ``known=False``: the caller's fresh cache
        does not hold the document, so the server is not asked for an older record (a stale cache only leaves
        this writer's leftovers, which ``Store.reconcile`` deletes)."""
        previous = self.listing([doc.doc_id]).get(doc.doc_id) if known else None
        payload = encode_payload(doc, passages, rows)
        parts = [payload[i:i + PART_CHARS] for i in range(0, len(payload), PART_CHARS)] or [""]
        ids = _blob_ids(doc.doc_id, doc.content_hash, len(parts))
        metas: list[dict[str, Any]] = [{"kind": "blob", "writer": writer, "data": part} for part in parts]
        # the record last: in the same request when the blob is small (a reader that sees the record before
        # its blob skips it until its next refresh, see fetch)
        ids.append(f"d/{doc.doc_id}")
        metas.append({"kind": "doc", "doc_id": doc.doc_id, "hash": doc.content_hash, "root": doc.root,
                      "writer": writer, "parts": len(parts), "passages": json.dumps([p.passage_id for p in passages])})
        self._upsert(ids, metas)
        if previous is not None and previous.content_hash != doc.content_hash:
            self._delete(_blob_ids(previous.doc_id, previous.content_hash, previous.parts))
        return previous

    def remove_document(self, doc_id: str) -> DocRecord | None:
        """Delete a document record (the commit point of a removal), then its blob; returns what it was."""
        previous = self.listing([doc_id]).get(doc_id)
        if previous is not None:
            self._delete([f"d/{doc_id}"])
            self._delete(_blob_ids(doc_id, previous.content_hash, previous.parts))
        return previous

    def fetch(self, records: Sequence[DocRecord]) -> list[tuple[Document, list[Passage], list[SentenceRow]]]:
        """The payloads of committed documents; one whose blob is gone (replaced or removed meanwhile) is left
        out (the next refresh sees its new record)."""
        out = []
        for i in range(0, len(records), BATCH):
            chunk = records[i:i + BATCH]
            ids = [b for r in chunk for b in _blob_ids(r.doc_id, r.content_hash, r.parts)]
            got = self.collection.get(ids=ids, include=["metadatas"])
            data = dict(zip(got["ids"], (str(m["data"]) for m in got["metadatas"]), strict=True))
            for r in chunk:
                wanted = _blob_ids(r.doc_id, r.content_hash, r.parts)
                if all(b in data for b in wanted):
                    out.append(decode_payload("".join(data[b] for b in wanted)))
        return out

    def orphan_blobs(self, writer: str, listing: dict[str, DocRecord]) -> list[str]:
        """Blob parts this writer left without a committed record of that version (a crash in between)."""
        ids = self.collection.get(where={"$and": [{"kind": "blob"}, {"writer": writer}]}, include=[])["ids"]
        out = []
        for blob in ids:
            _, content_hash, _, doc_id = blob.split("/", 3)
            record = listing.get(doc_id)
            if record is None or record.content_hash != content_hash:
                out.append(blob)
        return out

    def delete_blobs(self, ids: Sequence[str]) -> None:
        self._delete(ids)

    # --- roots ------------------------------------------------------------------------------------------

    def roots(self) -> dict[str, RootRecord]:
        got = self.collection.get(where={"kind": "root"}, include=["metadatas"])
        return {str(m["name"]): RootRecord(str(m["name"]), str(m["path"]), str(m["owner"])) for m in got["metadatas"]}

    def put_root(self, name: str, path: str, owner: str) -> None:
        self._upsert([f"r/{name}"], [{"kind": "root", "name": name, "path": path, "owner": owner}])

    def remove_root(self, name: str) -> None:
        self._delete([f"r/{name}"])
