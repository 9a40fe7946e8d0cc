"""Arrow IPC responses: large tables and arrays travel as binary columns, not JSON."""

from __future__ import annotations

import pyarrow as pa
from starlette.responses import Response

ARROW_STREAM = "application/vnd.apache.arrow.stream"


def to_ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


class ArrowResponse(Response):
    """A table as an Arrow IPC stream (decode with ``apache-arrow``'s ``tableFromIPC``)."""

    media_type = ARROW_STREAM

    def __init__(self, table: pa.Table, status_code: int = 200, *,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(content=to_ipc(table), status_code=status_code, headers=headers)
