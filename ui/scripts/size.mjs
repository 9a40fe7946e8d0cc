// Gzipped size of the JavaScript the first page load fetches (index.html's scripts and
// their static imports), against the 300 KB budget. Lazy chunks are listed apart.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dir = new URL("../../src/lumos/server/static/", import.meta.url).pathname;
const html = readFileSync(join(dir, "index.html"), "utf8");
const first = new Set();
const queue = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
while (queue.length) {
  const f = queue.pop();
  if (first.has(f)) continue;
  first.add(f);
  const code = readFileSync(join(dir, f), "utf8");
  // static imports only: `import ... from "./x.js"` / `import "./x.js"`
  for (const m of code.matchAll(/import(?:[^"'()]*?from)?\s*["']\.\/([^"']+\.js)["']/g)) {
    queue.push("assets/" + m[1]);
  }
}
const gz = (f) => gzipSync(readFileSync(join(dir, f))).length;
let total = 0;
for (const f of first) total += gz(f);
const lazy = readdirSync(join(dir, "assets")).filter((f) => f.endsWith(".js") && !first.has("assets/" + f));
const kb = (n) => (n / 1024).toFixed(1) + " KB";
console.log(`first load: ${kb(total)} gzipped JavaScript in ${first.size} file(s) (budget 300 KB)`);
for (const f of lazy) console.log(`  on demand: ${f} ${kb(gz("assets/" + f))}`);
process.exit(total > 300 * 1024 ? 1 : 0);
