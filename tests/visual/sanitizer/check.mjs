// Runs JupyterLab's own HTML sanitizer (the Sanitizer class of @jupyterlab/apputils,
// which JupyterLab applies to untrusted text/html outputs) over the HTML read from stdin,
// then compares the DOM before and after (parsed by jsdom): element names, attributes
// (a style attribute as its list of declarations) and text, node by node.
// Prints JSON: {"same": bool, "differences": [...], "sanitized": "..."}.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';
import { Sanitizer } from '@jupyterlab/apputils/lib/sanitizer.js';

const dirty = readFileSync(0, 'utf8');
const clean = new Sanitizer().sanitize(dirty);

function tree(html) {
  const doc = new JSDOM('<!doctype html><body></body>').window.document;
  const host = doc.createElement('div');
  host.innerHTML = html;
  return host;
}

function styleList(value) {
  return value.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const i = d.indexOf(':');
    return `${d.slice(0, i).trim().toLowerCase()}:${d.slice(i + 1).trim()}`;
  });
}

function describe(node, path, out) {
  if (node.nodeType === 3) {
    out.push([path, '#text', node.data]);
    return;
  }
  if (node.nodeType !== 1) return;
  const attrs = {};
  for (const a of node.attributes) {
    attrs[a.name] = a.name === 'style' ? styleList(a.value) : a.value;
  }
  out.push([path, node.tagName.toLowerCase(), attrs]);
  let i = 0;
  for (const child of node.childNodes) describe(child, `${path}/${i++}`, out);
}

const before = [];
const after = [];
describe(tree(dirty), '', before);
describe(tree(clean), '', after);
const differences = [];
const n = Math.max(before.length, after.length);
for (let i = 0; i < n && differences.length < 20; i++) {
  const a = JSON.stringify(before[i] ?? null);
  const b = JSON.stringify(after[i] ?? null);
  if (a !== b) differences.push({ before: before[i] ?? null, after: after[i] ?? null });
}
process.stdout.write(JSON.stringify({
  same: differences.length === 0, nodes: before.length, differences, sanitized: clean,
}));
