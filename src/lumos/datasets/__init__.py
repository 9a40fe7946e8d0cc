"""Dataset loaders: files (CSV, JSONL, Parquet), pandas, Hugging Face datasets, demos."""

from lumos.datasets.arrow import ArrowDataset, DatasetError
from lumos.datasets.files import (
    from_hf,
    from_pandas,
    from_table,
    infer_spec,
    load,
    load_file,
    mapping_hint,
)

__all__ = ["ArrowDataset", "DatasetError", "from_hf", "from_pandas", "from_table",
           "infer_spec", "load", "load_file", "mapping_hint"]
