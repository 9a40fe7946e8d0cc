// Decode the server's Arrow IPC tables into plain column arrays the table can sort.
import { tableFromIPC } from "apache-arrow";

export type Column = unknown[];

function plain(v: unknown): unknown {
  if (v && typeof v === "object" && "toArray" in v && typeof (v as { toArray: unknown }).toArray === "function") {
    const arr = (v as { toArray(): ArrayLike<unknown> }).toArray();
    return ArrayBuffer.isView(arr) ? arr : Array.from(arr);
  }
  if (typeof v === "bigint") return Number(v);
  return v;
}

export function decodeColumns(bytes: Uint8Array): Record<string, Column> {
  const table = tableFromIPC(bytes);
  const out: Record<string, Column> = {};
  for (const f of table.schema.fields) {
    const vec = table.getChild(f.name);
    if (!vec) continue;
    const col: Column = new Array(table.numRows);
    for (let i = 0; i < table.numRows; i++) col[i] = plain(vec.get(i));
    out[f.name] = col;
  }
  return out;
}
