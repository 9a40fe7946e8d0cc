"""``--export-failures DIR``: each failing check's examples as JSONL for review, one file
per check (``<check id>.jsonl``), one line per example with the check, slice and model
it failed on."""

from __future__ import annotations

from pathlib import Path

from lumos.audit.run import AuditRun


def export_failures(run: AuditRun, directory: str | Path) -> list[Path]:
    import orjson

    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines: dict[str, list[bytes]] = {}
    for r in run.results:
        if r.verdict != "fail":
            continue
        for n, ex in enumerate(r.examples):
            rec = {"check": r.check, "slice": r.slice, "model": r.model,
                   "dataset": r.dataset, "statistic": r.statistic, "value": r.value,
                   "example": n, **ex}
            lines.setdefault(r.check, []).append(
                orjson.dumps(rec, default=str, option=orjson.OPT_SERIALIZE_NUMPY))
    written = []
    for check, rows in lines.items():
        p = out_dir / f"{check}.jsonl"
        p.write_bytes(b"\n".join(rows) + b"\n")
        written.append(p)
    return written


__all__ = ["export_failures"]
