// Writes <file>.gz beside each file given, compressed with zopfli (gzip
// format, the best ratio a gzip decoder reads: ~6 % fewer bytes than
// `gzip -9` for the core wasm), and checks that it inflates back to the
// file: `node scripts/gzip-assets.mjs <zopfli package dir> <file>...`.
//
// Why: the server sends these precompressed bodies for the content-hashed
// names instead of compressing on the fly (server/src/assets/hashed.rs);
// they are the first paint's largest bytes (issue 11).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';

const [zopfliDir, ...files] = process.argv.slice(2);
if (!zopfliDir || files.length === 0) {
  console.error('usage: node scripts/gzip-assets.mjs <zopfli package dir> <file>...');
  process.exit(2);
}
const { gzipAsync } = createRequire(`${zopfliDir}/`)('@gfx/zopfli');
for (const file of files) {
  const raw = readFileSync(file);
  const gz = Buffer.from(await gzipAsync(raw, { numiterations: 15 }));
  if (!gunzipSync(gz).equals(raw)) throw new Error(`${file}.gz does not inflate to ${file}`);
  writeFileSync(`${file}.gz`, gz);
  console.error(`[gzip-assets] ${file}: ${raw.length} B → ${gz.length} B`);
}
