"""Load datasets from CSV, JSONL, Parquet, pandas and Hugging Face ``datasets`` objects.

Columns are mapped to typed fields with ``spec`` (field name -> field type) and
``columns`` (field name -> source column name, when they differ). Without a spec, one is
inferred from the column types (see :func:`infer_spec`).

Files as users have them: an empty CSV cell is a missing value, and an inferred spec
describes the columns as they are (a column with blanks is optional), so a blank in a
column no model reads never refuses a file. The values of the fields a model does read
(its inputs, and the gold fields its outputs are scored against) are checked against
the model's own types when the model meets the dataset
(:meth:`ArrowDataset.check_fields`); messages name the file, the column and the line
as an editor shows it (CSV, JSONL) or the row (Parquet, tables; counted from 0).
"""

from __future__ import annotations

import csv
import gzip
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lumos.api import types as T
from lumos.api.types import Spec
from lumos.datasets.arrow import ArrowDataset, DatasetError

LABEL_NAMES = {"label", "labels", "gold", "sentiment", "category", "class", "target"}
TAG_NAMES = {"tags", "ner_tags", "tag", "bio", "labels_per_token"}


def infer_spec(table: pa.Table, *, max_categories: int = 50) -> Spec:
    """A spec from column types: text, labels (few distinct strings), numbers, tokens."""
    spec: Spec = {}
    names = table.column_names
    token_col = next((n for n in names if pa.types.is_list(table.column(n).type)
                      and n.lower() in {"tokens", "words"}), None)
    for name in names:
        if name == "id":
            continue
        col = table.column(name)
        t = col.type
        complete = col.null_count == 0
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            distinct = col.unique() if col.num_chunks else pa.array([], pa.string())
            if name.lower() in LABEL_NAMES or (
                len(distinct) <= max_categories and len(distinct) * 20 < max(len(col), 1)
            ):
                vocab = tuple(sorted(v for v in distinct.to_pylist() if v is not None))
                spec[name] = T.CategoryLabel(vocab=vocab, required=False)
            else:
                blank = pc.any(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(col)), 0))
                spec[name] = T.TextSegment(required=complete,
                                           allow_empty=bool(blank.as_py()))
        elif pa.types.is_integer(t) and name.lower() in LABEL_NAMES and len(
                col.unique()) <= max_categories:
            # class ids (0, 1, 2) in a column named like a label: a label, read as text
            # by the caller (see :func:`_label_ids_as_text`)
            vocab = tuple(str(v) for v in sorted(
                v for v in col.unique().to_pylist() if v is not None))
            spec[name] = T.CategoryLabel(vocab=vocab, required=False)
        elif pa.types.is_integer(t) or pa.types.is_floating(t):
            spec[name] = T.Scalar(required=False)
        elif pa.types.is_boolean(t):
            spec[name] = T.Boolean(required=False)
        elif pa.types.is_list(t) and (pa.types.is_string(t.value_type)):
            if name.lower() in TAG_NAMES and token_col and name != token_col:
                spec[name] = T.SequenceTags(align=token_col, required=False)
            else:
                spec[name] = T.Tokens(required=complete)
    return spec


def _label_ids_as_text(table: pa.Table, spec: Spec) -> pa.Table:
    """Integer columns the spec calls labels, as the text of their values ("0", "1")."""
    for name, fs in spec.items():
        if isinstance(fs, T.CategoryLabel) and name in table.column_names and \
                pa.types.is_integer(table.column(name).type):
            i = table.column_names.index(name)
            table = table.set_column(i, name, pc.cast(table.column(name), pa.string()))
    return table


def mapping_hint(field: str, field_spec: T.FieldSpec, dataset_spec: Spec, *,
                 cli: bool = False) -> str:
    """What to say when a model reads ``field`` and the dataset has no such column: the
    dataset's columns and the mapping that would supply it, as the CLI spells it
    (``--column text=tweet``) or as Python does (``columns={"text": "tweet"}``)."""
    cols = [c for c in dataset_spec if c != "id"]
    same = [c for c, fs in dataset_spec.items() if type(fs) is type(field_spec)]
    text_like = [c for c, fs in dataset_spec.items() if isinstance(fs, T.TextSegment)]
    guess = (same or (text_like if isinstance(field_spec, T.TextSegment) else []) or cols
             or ["<column>"])[0]
    how = f"--column {field}={guess}" if cli else f'columns={{"{field}": "{guess}"}}'
    return (f"the dataset's columns are: {', '.join(cols) or '(none)'}; map the one that "
            f"holds it, e.g. {how}")


def _read_file(path: Path, encoding: str) -> pa.Table:
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix == ".gz" else path.suffix.lower()
    try:
        if suffix in (".csv", ".tsv", ".csv.gz", ".tsv.gz"):
            import pyarrow.csv as pcsv

            delim = "\t" if ".tsv" in suffix else ","
            # an empty cell is a missing value, as pandas and spreadsheets read it
            table = pcsv.read_csv(path, read_options=pcsv.ReadOptions(encoding=encoding),
                                  parse_options=pcsv.ParseOptions(delimiter=delim,
                                                                  newlines_in_values=True),
                                  convert_options=pcsv.ConvertOptions(
                                      strings_can_be_null=True))
            for name in table.column_names:  # arrow keeps undecodable text as binary
                if pa.types.is_binary(table.column(name).type):
                    raise DatasetError(
                        f"{path}: column '{name}' is not valid {encoding} text; give the "
                        "file's encoding, e.g. encoding='latin-1' (CLI: --encoding latin-1)")
            return table
        if suffix in (".jsonl", ".json", ".ndjson", ".jsonl.gz"):
            if encoding.lower().replace("-", "") not in ("utf8",):
                import io

                import pyarrow.json as pjson

                text = path.read_bytes().decode(encoding)
                return pjson.read_json(io.BytesIO(text.encode("utf-8")))
            import pyarrow.json as pjson

            return pjson.read_json(path)
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            return pq.read_table(path, memory_map=True)
    except (pa.ArrowInvalid, UnicodeDecodeError) as e:
        msg = str(e)
        if msg.startswith("Empty CSV file") or not path.stat().st_size:
            raise DatasetError(
                f"{path}: the file is empty; a dataset file needs a header row naming its "
                "columns (e.g. text,label) and one row per example") from None
        if suffix in (".jsonl", ".json", ".ndjson") and "JSON" in msg:
            raise DatasetError(_bad_json_line(path, encoding) or
                               f"{path}: cannot parse the file: {msg.splitlines()[0]}; "
                               "each line must be one JSON object") from None
        if "UTF8" in msg or "UTF-8" in msg or "utf-8" in msg or isinstance(e, UnicodeDecodeError):
            raise DatasetError(
                f"{path}: the file is not valid {encoding} text; give its encoding, e.g. "
                f"encoding='latin-1' (CLI: --encoding latin-1)") from None
        raise DatasetError(f"{path}: cannot parse the file: {msg.splitlines()[0]}") from None
    raise DatasetError(f"{path}: unsupported file type '{path.suffix}' "
                       "(use .csv, .tsv, .jsonl, .json or .parquet)")


def _bad_json_line(path: Path, encoding: str) -> str | None:
    """The message for the first line of a JSONL file that is not one JSON object."""
    import json

    with _open_text(path, encoding) as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as e:
                return (f"{path}: line {line_no} is not valid JSON ({e}); each line must "
                        'be one JSON object, e.g. {"text": "...", "label": "..."}')
            if not isinstance(value, dict):
                return (f"{path}: line {line_no} is a JSON {type(value).__name__}, not an "
                        'object; each line must be one JSON object, e.g. {"text": "..."}')
    return None


def _open_text(path: Path, encoding: str) -> Any:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")  # the caller closes it


def _csv_line(path: Path, encoding: str, delimiter: str, row: int) -> int | None:
    """The line (from 1) on which data row ``row`` (from 0) of a CSV file starts, as an
    editor shows it: after the header, counting quoted line breaks and blank lines."""
    with _open_text(path, encoding) as f:
        reader = csv.reader(f, delimiter=delimiter)
        n, prev = -1, 0  # record -1 is the header
        for record in reader:
            start, prev = prev + 1, reader.line_num
            if not record:
                continue
            if n == row:
                return start
            n += 1
    return None


def _jsonl_line(path: Path, encoding: str, row: int) -> int | None:
    """The line (from 1) of JSON record ``row`` (from 0); blank lines hold no record."""
    with _open_text(path, encoding) as f:
        n = 0
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            if n == row:
                return line_no
            n += 1
    return None


def _locator(path: Path, encoding: str) -> Callable[[int], str] | None:
    """How messages name a row of ``path``: its line (read only when a message needs
    it), with the row counted from 0 as ``examples`` and pandas count it."""
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix == ".gz" else path.suffix.lower()
    find: Callable[[int], int | None]
    if suffix in (".csv", ".tsv", ".csv.gz", ".tsv.gz"):
        delim = "\t" if ".tsv" in suffix else ","

        def find(row: int) -> int | None:
            return _csv_line(path, encoding, delim, row)
    elif suffix in (".jsonl", ".ndjson", ".jsonl.gz"):
        def find(row: int) -> int | None:
            return _jsonl_line(path, encoding, row)
    else:
        return None

    def locate(row: int) -> str:
        try:
            line = find(row)
        except (OSError, UnicodeDecodeError, csv.Error):
            line = None
        return f"row {row}" if line is None else f"line {line} (row {row})"

    return locate


def _apply_columns(table: pa.Table, columns: Mapping[str, str] | None, where: str) -> pa.Table:
    if not columns:
        return table
    have = table.column_names
    for field_name, src in columns.items():
        if src not in have:
            raise DatasetError(f"{where}: column '{src}' (mapped to field '{field_name}') "
                               f"is not in the file (columns: {', '.join(have)})")
    rename = {src: fld for fld, src in columns.items()}
    for field_name, src in columns.items():
        if field_name != src and field_name in have and field_name not in rename:
            raise DatasetError(
                f"{where}: mapping column '{src}' to field '{field_name}' would clash with "
                f"the file's own column '{field_name}'; map that one to another name too, "
                f"e.g. columns={{\"{field_name}\": \"{src}\", \"{field_name}_file\": "
                f"\"{field_name}\"}} (CLI: --column {field_name}={src} --column "
                f"{field_name}_file={field_name})")
    return table.rename_columns([rename.get(c, c) for c in have])


def from_table(table: pa.Table, *, spec: Spec | None = None,
               columns: Mapping[str, str] | None = None, name: str = "dataset",
               description: str = "", source: str = "",
               locate: Callable[[int], str] | None = None) -> ArrowDataset:
    where = source or name
    table = _apply_columns(table, columns, where)
    if spec is None:
        spec = infer_spec(table)
    table = _label_ids_as_text(table, spec)
    return ArrowDataset(table, spec, name=name,
                        description=description, source=where, locate=locate)


def load_file(path: str | os.PathLike[str], *, spec: Spec | None = None,
              columns: Mapping[str, str] | None = None, encoding: str = "utf-8",
              name: str | None = None, description: str = "") -> ArrowDataset:
    p = Path(path)
    if not p.exists():
        raise DatasetError(f"{p}: no such file (looked for {p.absolute()}); check the path, "
                           "or name a bundled dataset (tweets, wnut, ...)")
    if p.is_dir():
        raise DatasetError(f"{p}: is a directory, not a dataset file")
    table = _read_file(p, encoding)
    if table.num_rows == 0:
        raise DatasetError(f"{p}: the file has no rows (columns: "
                           f"{', '.join(table.column_names) or 'none'}); add one row per "
                           "example")
    return from_table(table, spec=spec, columns=columns, name=name or p.stem,
                      description=description, source=str(p), locate=_locator(p, encoding))


def from_pandas(df: Any, **kwargs: Any) -> ArrowDataset:
    return from_table(pa.Table.from_pandas(df, preserve_index=False), **kwargs)


def from_hf(ds: Any, **kwargs: Any) -> ArrowDataset:
    """A local Hugging Face ``datasets.Dataset`` (its Arrow table is used as it is)."""
    if getattr(ds, "_indices", None) is not None:
        ds = ds.flatten_indices()
    return from_table(ds.data.table, **kwargs)


def load(source: Any, **kwargs: Any) -> ArrowDataset:
    """Load a dataset: a bundled one by name (``"tweets"``, ``"wnut_train"``: see
    ``lumos.datasets.bundled.BUNDLED``), a file path (CSV, JSONL, Parquet), a pandas
    DataFrame, a pyarrow Table or a Hugging Face Dataset."""
    if isinstance(source, str | os.PathLike):
        from lumos.datasets.bundled import BUNDLED

        p = Path(source)
        if isinstance(source, str) and source in BUNDLED and not p.exists():
            if kwargs:
                raise DatasetError(f"{source}: a bundled dataset takes no options "
                                   f"(got {', '.join(sorted(kwargs))}); load a file to "
                                   "map its columns")
            return BUNDLED[source]()
        if not p.exists() and not p.suffix and "/" not in str(source):
            import difflib

            close = difflib.get_close_matches(str(source), list(BUNDLED), n=1)
            raise DatasetError(f"{source}: no such file or bundled dataset"
                               + (f"; did you mean '{close[0]}'?" if close else "")
                               + f" (bundled: {', '.join(BUNDLED)}; or give a .csv, "
                               ".jsonl or .parquet file)")
        return load_file(source, **kwargs)
    if isinstance(source, pa.Table):
        return from_table(source, **kwargs)
    mod = type(source).__module__
    if mod.startswith("pandas"):
        return from_pandas(source, **kwargs)
    if mod.startswith("datasets"):
        return from_hf(source, **kwargs)
    raise DatasetError(f"cannot load a dataset from a {type(source).__name__}")
