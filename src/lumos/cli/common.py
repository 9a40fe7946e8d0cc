"""What every CLI command shares: resolving --model / --dataset / --config, output files.

``--model`` takes a demo name (``sentiment``, or ``sentiment:tfidf-logreg`` for one of a
demo's models), a local model directory or file, or a URL of a remote model.
``--dataset`` takes a bundled dataset name (``tweets``, ``wnut``, ...) or a file.
``--config FILE.py`` loads ``models`` and ``datasets`` dicts from a Python file, and
then ``--model``/``--dataset`` name entries of those dicts.
"""

from __future__ import annotations

import argparse
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lumos.api.dataset import Dataset
from lumos.api.model import Model
from lumos.api.types import SpecError
from lumos.cli.main import UsageError


def _bundled() -> dict[str, Callable[[], Dataset]]:
    """The bundled datasets by name, as ``lumos.datasets.load(name)`` knows them."""
    from lumos.datasets.bundled import BUNDLED

    return dict(BUNDLED)


def add_model_dataset_args(p: argparse.ArgumentParser, *, dataset: bool = True,
                           required_unless: str | None = None,
                           config_file: bool = True) -> None:
    """The shared flags. ``required_unless`` (a flag such as ``--list``) makes --model and
    --dataset optional for argparse; the command then checks them itself. Without
    ``config_file`` the command defines its own ``--config`` (``lumos generate``'s takes
    generator options and the Python file)."""
    required = required_unless is None
    unless = "" if required else f" (required unless {required_unless}; default: none)"
    p.add_argument("--model", required=required,
                   help="demo name (e.g. sentiment or sentiment:tfidf-logreg), model "
                   "directory/file, URL, or a name from --config" + unless)
    p.add_argument("--task", default=None,
                   help="adapter id to load --model with (default: detected)")
    if dataset:
        p.add_argument("--dataset", required=required,
                       help="bundled dataset (tweets, tweets_train, wnut, ...), a dataset "
                       "of the --model demo (e.g. prompts), a .csv/.jsonl/.parquet file, "
                       "or a name from --config" + unless)
        p.add_argument("--encoding", default="utf-8",
                       help="text encoding of a CSV/JSONL --dataset (default: %(default)s)")
        p.add_argument("--column", action="append", default=[], metavar="FIELD=COLUMN",
                       help="map a model field to a file column, e.g. text=tweet; repeat for "
                       "more (default: none, fields are read from columns of the same name)")
        rows = p.add_mutually_exclusive_group()
        rows.add_argument("--limit", type=int, default=None, metavar="N",
                          help="use only the first N rows, in file order (default: every "
                          "row; --sample draws a representative sample instead)")
        rows.add_argument("--sample", type=int, default=None, metavar="N",
                          help="use N rows (at most the dataset's) drawn at random with "
                          "--seed, keeping each gold label's share of the rows (default: "
                          "every row)")
        p.add_argument("--seed", type=int, default=0,
                       help="seed of --sample, and of the command's own random draws "
                       "(a projection's, a re-initialisation's) (default: %(default)s)")
    if config_file:
        p.add_argument("--config", default=None,
                       help="Python file defining `models` and `datasets` dicts whose names "
                       "--model/--dataset may use (default: none)")


def load_config(path: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    if path is None:
        return {}, {}
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"--config: {p}: no such file")
    try:
        ns = runpy.run_path(str(p))
    except Exception as e:  # a user's file: show what broke, name the file
        raise UsageError(f"--config: {p}: {type(e).__name__}: {e}") from None
    models, datasets = ns.get("models", {}), ns.get("datasets", {})
    if not isinstance(models, dict) or not isinstance(datasets, dict):
        raise UsageError(f"--config: {p}: `models` and `datasets` must be dicts")
    return models, datasets


def _call(obj: Any) -> Any:
    from lumos.demos.base import materialise

    try:
        return materialise(obj)
    except SpecError as e:
        raise UsageError(str(e)) from None


def resolve_model(arg: str, *, task: str | None = None,
                  config: dict[str, Any] | None = None) -> tuple[str, Model]:
    """(name, model) for a --model value; errors name the flag."""
    if config and arg in config:
        return arg, _call(config[arg])
    from lumos.demos import all_demos

    demo_name, _, member = arg.partition(":")
    demos = all_demos()
    if demo_name in demos and not Path(arg).exists():
        try:
            models, _ = demos[demo_name].build()
        except SpecError as e:
            raise UsageError(f"--model: demo '{demo_name}': {e}") from None
        if member:
            if member not in models:
                raise UsageError(f"--model: demo '{demo_name}' has no model '{member}' "
                                 f"(models: {sorted(models)})")
            return member, _call(models[member])
        name = next(iter(models))
        return name, _call(models[name])
    if _looks_like_a_name(arg):
        known = sorted(demos) + sorted(config or {})
        raise UsageError(f"--model: no demo, config entry, model directory or file named "
                         f"'{arg}'{did_you_mean(demo_name, known)} (demos: "
                         f"{', '.join(sorted(demos))}"
                         + (f"; --config models: {', '.join(sorted(config))}" if config else "")
                         + "; or give a directory saved with save_pretrained, a .keras or "
                         ".joblib file, or an http(s) URL)")
    try:
        from lumos.models.load import load_model
    except ImportError:  # pragma: no cover - the loader ships with the models package
        from lumos.models.hf.classifier import HFClassifier

        def load_model(path: str, task: str | None = None) -> Model:
            return HFClassifier(path)
    try:
        return Path(arg).name or arg, load_model(arg, task=task)
    except SpecError as e:
        raise UsageError(f"--model: {e}") from None


def _looks_like_a_name(arg: str) -> bool:
    """A bare word (no path separator, no file suffix, not a URL) that names nothing on
    disk: meant as a demo, bundled dataset or config name."""
    p = Path(arg)
    return not p.exists() and "/" not in arg and "\\" not in arg and not p.suffix \
        and "://" not in arg


def did_you_mean(arg: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(arg, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def resolve_dataset(arg: str, *, encoding: str = "utf-8", columns: list[str] | None = None,
                    config: dict[str, Any] | None = None, limit: int | None = None,
                    sample: int | None = None, seed: int = 0) -> tuple[str, Dataset]:
    """(name, dataset) for a --dataset value; errors name the flag and the file."""
    if config and arg in config:
        ds: Dataset = _call(config[arg])
        name = arg
    elif arg in _bundled() and not Path(arg).exists():
        try:
            ds = _bundled()[arg]()
        except SpecError as e:
            raise UsageError(f"--dataset: {arg}: {e}") from None
        name = arg
    else:
        if _looks_like_a_name(arg):
            extra = sorted(set(config or {}) - set(_bundled()))
            known = sorted(_bundled()) + extra
            raise UsageError(
                f"--dataset: no bundled dataset, config entry or file named '{arg}'"
                f"{did_you_mean(arg, known)} (bundled: {', '.join(sorted(_bundled()))}"
                + (f"; also: {', '.join(extra)}" if extra else "")
                + "; or give a .csv, .jsonl or .parquet file)")
        from lumos.datasets import load_file

        mapping = {}
        for item in columns or []:
            field, sep, column = item.partition("=")
            if not sep or not field or not column:
                raise UsageError(f"--column: expected FIELD=COLUMN (a model field, '=', the "
                                 f"file's column), e.g. --column text=review; got {item!r}")
            mapping[field] = column
        try:
            ds = load_file(arg, encoding=encoding, columns=mapping or None)
        except SpecError as e:
            raise UsageError(f"--dataset: {e}") from None
        name = Path(arg).stem
    if limit is not None:
        if limit <= 0:
            raise UsageError(f"--limit: must be positive, got {limit}")
        from lumos.datasets import ArrowDataset

        if isinstance(ds, ArrowDataset) and limit < len(ds):
            ds = ArrowDataset(ds.to_arrow().slice(0, limit), ds.spec(), name=ds.name,
                              source=ds.source, locate=ds.locate, check=False)
    if sample is not None:
        if sample <= 0:
            raise UsageError(f"--sample: must be positive, got {sample}")
        from lumos.datasets import ArrowDataset
        from lumos.datasets.sampling import sample as draw

        if not isinstance(ds, ArrowDataset):
            raise UsageError(f"--sample: dataset '{name}' is not a table lumos can sample; "
                             "use --limit")
        if sample > len(ds):
            raise UsageError(f"--sample: {sample:,} is more rows than '{name}' has "
                             f"({len(ds):,}); ask for at most {len(ds)}, or leave --sample "
                             "out to use every row")
        ds = draw(ds, sample, seed=seed)
    return name, ds


def demo_datasets(model_arg: str, datasets: dict[str, Any]) -> None:
    """When --model names a demo, its datasets (e.g. the generation demo's ``prompts``)
    become nameable in --dataset too (a --config entry of the same name wins)."""
    from lumos.demos import all_demos

    demo = all_demos().get(model_arg.partition(":")[0])
    if demo is None or Path(model_arg).exists():
        return
    try:
        _, dsets = demo.build()
    except SpecError as e:
        raise UsageError(f"--model: demo '{demo.name}': {e}") from None
    for name, ds in dsets.items():
        datasets.setdefault(name, ds)


def workspace_from_args(args: argparse.Namespace) -> tuple[Any, str, str]:
    """(workspace, model name, dataset name) from --config/--model/--dataset and friends.

    The dataset is resolved first (cheap checks before a model loads); a dataset that does
    not fit the model is a --dataset error naming the field.
    """
    from lumos.engine import Workspace, compatibility_problem

    cfg_models, cfg_datasets = load_config(args.config)
    demo_datasets(args.model, cfg_datasets)
    dname, ds = resolve_dataset(args.dataset, encoding=args.encoding, columns=args.column,
                                config=cfg_datasets, limit=args.limit,
                                sample=getattr(args, "sample", None),
                                seed=getattr(args, "seed", 0))
    mname, model = resolve_model(args.model, task=args.task, config=cfg_models)
    problem = compatibility_problem(model, ds.spec(), cli=True)
    if problem is not None:
        where = getattr(ds, "source", "") or dname
        raise UsageError(f"--dataset: {where}: model '{mname}' cannot read it: {problem}")
    try:
        ws = Workspace({}, {dname: ds})
        ws.add_model(mname, model, smoke_test=False)
    except SpecError as e:
        raise UsageError(f"--dataset: {e}") from None
    return ws, mname, dname


def flag_error(flag: str, e: Exception) -> UsageError:
    """``e``'s message as a usage error of ``flag``, without the engine's own prefix for
    the same argument (``method: ...`` under ``--method``)."""
    msg = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
    bare = flag.lstrip("-").replace("-", "_")
    for prefix in (f"{bare}: ", f"{flag.lstrip('-')}: "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    return UsageError(f"{flag}: {msg}")


def no_embeddings(model: Model, name: str, done: str) -> None:
    """Refuse, naming --model, a model with no embeddings output (nothing to map)."""
    from lumos.engine.projection import embedding_fields

    if not embedding_fields(model):
        raise UsageError(f"--model: '{name}' has no embeddings output, so nothing can be "
                         f"{done}; use a model that has one (e.g. --model sentiment, whose "
                         "MiniLM gives pooled and per-token embeddings)")


def check_out_path(flag: str, path: str, suffixes: tuple[str, ...]) -> Path:
    p = Path(path)
    if p.suffix.lower() not in suffixes:
        raise UsageError(f"{flag}: {p} must end in one of {', '.join(suffixes)}")
    if p.parent and not p.parent.exists():
        raise UsageError(f"{flag}: directory {p.parent} does not exist")
    return p
