#!/usr/bin/env node
// Splits the large files of a model directory into CDN-sized shards (jsDelivr serves at most 20 MB per file),
// rewriting model.json so each sharded entry keeps its whole-file size and sha256 and lists its pieces.
//
//   node tools/release/shard-model.mjs packages/model-image [--max-bytes 16777216]
//
// Run it after tools/train/export_model.py; a directory already sharded is left as it is. Needs core built.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CDN_MAX_FILE_BYTES, MODEL_JSON_PATH, parseModelJson, readModelFile, serializeModelJson, shardModelFile } from '@adaattn/core';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'max-bytes': { type: 'string' } } });
if (positionals.length !== 1) {
  console.error('usage: node tools/release/shard-model.mjs <model-dir> [--max-bytes N]');
  process.exit(2);
}
const dir = positionals[0];
const maxBytes = values['max-bytes'] === undefined ? CDN_MAX_FILE_BYTES : Number(values['max-bytes']);
const read = async (name) => new Uint8Array(await readFile(join(dir, name)));
const config = parseModelJson(await read(MODEL_JSON_PATH));
const files = { ...config.files };
for (const [component, entry] of Object.entries(config.files)) {
  if (entry.shards !== undefined || entry.bytes <= maxBytes) continue;
  // readModelFile checks size and sha256 first, so a stale model.json is never turned into shards.
  const bytes = await readModelFile(read, entry, `files.${component}`);
  const out = await shardModelFile(entry, bytes, maxBytes);
  for (const f of out.files) await writeFile(join(dir, f.path), f.bytes);
  files[component] = out.entry;
  await rm(join(dir, entry.path));
  console.log(`${component}: ${entry.path} (${entry.bytes} bytes) -> ${out.files.map((f) => `${f.path} (${f.bytes.length})`).join(', ')}`);
}
// model.json last, so it never names shards that are not written yet.
await writeFile(join(dir, MODEL_JSON_PATH), serializeModelJson({ ...config, files }));
