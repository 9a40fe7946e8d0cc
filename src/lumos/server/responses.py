"""JSON responses that carry numpy arrays and scalars (encoded by orjson)."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from starlette.responses import JSONResponse


def _default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, set | frozenset | tuple):
        return list(o)
    raise TypeError(f"cannot send a value of type {type(o).__name__} as JSON")


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, default=_default,
                        option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


class JSON(JSONResponse):
    """``application/json`` rendered with orjson; numpy values become lists and numbers.
    (A JSONResponse, so that a route's ``response_model`` is its schema in the OpenAPI.)"""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
