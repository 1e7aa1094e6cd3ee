"""A/B of derived vectors (``SITREP_INDEX__DERIVED_VECTORS``): ingest time and the demo eval per mode.

    python -m eval.derived [--modes none,windows,pooled,all] [--out DIR]

Per mode: a fresh ingest of the demo corpus (model loaded beforehand), the pure embedding time of the same
passages (the floor), and the demo gold set's figures over that index. Not a test (minutes per mode).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--modes", default="none,windows,pooled,all")
    parser.add_argument("--out", type=Path, help="keep the indexes here (default: a temporary folder)")
    args = parser.parse_args()
    from assistant.embed import make_embedder
    from assistant.settings import Settings
    from eval.run import demo_corpus, demo_gold, run_eval

    base = Settings()
    make_embedder(base.embedding).embed(["warm up"])  # the model is cached per process: load it outside ingest
    root = args.out or Path(tempfile.mkdtemp(prefix="sitrep-derived-"))
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        settings = base.model_copy(update={"index": base.index.model_copy(update={"derived_vectors": mode})})
        index = root / mode
        shutil.rmtree(index, ignore_errors=True)
        result = run_eval(demo_corpus(), demo_gold(), index=index, settings=settings)
        from assistant.index import Store

        store = Store(settings.with_index(index))
        texts = [t for _, t in store.docs.passage_texts()]
        store.close()
        embedder = make_embedder(settings.embedding)
        started = time.perf_counter()
        embedder.embed(texts)
        floor = time.perf_counter() - started
        assert result.ingest is not None
        overall = result.overall.model_dump() if hasattr(result.overall, "model_dump") else dict(result.overall)
        print(json.dumps({"mode": mode, "passages": len(texts), "ingest_s": round(result.ingest.seconds, 2),
                          "embed_passages_s": round(floor, 2), "ingest/embed": round(result.ingest.seconds / floor, 2),
                          **{k: v for k, v in overall.items() if isinstance(v, float | int)}}), flush=True)
    if args.out is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
