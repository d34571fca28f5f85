// Shortens the import names wasm-bindgen writes, in a module's wasm and its
// JS glue together: `node scripts/shorten-imports.mjs <dir> <lib>` rewrites
// <dir>/<lib>_bg.wasm and <dir>/<lib>.js in place.
//
// Why: wasm-bindgen names every import `__wbg_<name>_<16 hex digits>` and
// each name appears twice in the first-paint payload (wasm import section
// and glue). The hashes do not compress: ~2 KB gzip of the core's 40 KB
// budget. Only imports of the glue's own module (`./<lib>_bg.js`) are
// renamed (to `a`, `b`, ... `z`, `ba`, ...), and that module to `w`; the
// glue refers to them only as keys of its imports object. Imports of inline
// snippets keep their names. Exports are untouched.
import { readFileSync, writeFileSync } from 'node:fs';

const [dir, lib] = process.argv.slice(2);
if (!dir || !lib) {
  console.error('usage: node scripts/shorten-imports.mjs <dir> <lib>');
  process.exit(2);
}
const wasmPath = `${dir}/${lib}_bg.wasm`;
const jsPath = `${dir}/${lib}.js`;
const glueModule = `./${lib}_bg.js`;

const bytes = readFileSync(wasmPath);
let pos = 0;
function leb() {
  let result = 0, shift = 0, b;
  do {
    b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return result;
}
function encodeLeb(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}
function name() {
  const len = leb();
  const s = bytes.subarray(pos, pos + len).toString('utf8');
  pos += len;
  return s;
}
function encodeName(s) {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([encodeLeb(b.length), b]);
}
function limits() {
  const flags = bytes[pos++];
  leb();
  if (flags & 1) leb();
}
// `a`..`z`, then `ba`.. (bijective base 26 would start at `aa`; any unique
// identifier will do).
function shortName(i) {
  let s = '';
  do {
    s = String.fromCharCode(97 + (i % 26)) + s;
    i = Math.floor(i / 26);
  } while (i > 0);
  return s;
}

if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error(`${wasmPath}: not a wasm module`);
pos = 8;
const out = [bytes.subarray(0, 8)];
const renamed = new Map();
while (pos < bytes.length) {
  const start = pos;
  const id = bytes[pos++];
  const size = leb();
  const contentStart = pos;
  const end = contentStart + size;
  if (id !== 2) {
    out.push(bytes.subarray(start, end));
    pos = end;
    continue;
  }
  const count = leb();
  const entries = [encodeLeb(count)];
  for (let i = 0; i < count; i++) {
    let module = name();
    let field = name();
    const descStart = pos;
    const kind = bytes[pos++];
    if (kind === 0) leb(); // function: type index
    else if (kind === 1) { pos++; limits(); } // table: ref type, limits
    else if (kind === 2) limits(); // memory
    else if (kind === 3) pos += 2; // global: value type, mutability
    else if (kind === 4) { pos++; leb(); } // tag
    else throw new Error(`${wasmPath}: unknown import kind ${kind}`);
    if (module === glueModule) {
      if (!renamed.has(field)) renamed.set(field, shortName(renamed.size));
      field = renamed.get(field);
      module = 'w';
    }
    entries.push(encodeName(module), encodeName(field), bytes.subarray(descStart, pos));
  }
  if (pos !== end) throw new Error(`${wasmPath}: import section length mismatch`);
  const content = Buffer.concat(entries);
  out.push(Buffer.from([2]), encodeLeb(content.length), content);
}

let js = readFileSync(jsPath, 'utf8');
const moduleKey = JSON.stringify(glueModule) + ':';
if (!js.includes(moduleKey)) throw new Error(`${jsPath}: no ${moduleKey} in the glue`);
js = js.replace(moduleKey, '"w":');
for (const [old, short] of renamed) {
  const key = new RegExp(`\\b${old}:`, 'g');
  const found = js.match(key)?.length ?? 0;
  if (found !== 1) throw new Error(`${jsPath}: import ${old} found ${found} times as a key`);
  js = js.replace(key, `${short}:`);
}
writeFileSync(wasmPath, Buffer.concat(out));
writeFileSync(jsPath, js);
console.error(`[shorten-imports] ${lib}: ${renamed.size} imports renamed`);
