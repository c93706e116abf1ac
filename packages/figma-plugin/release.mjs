/**
 * The release: a production build (build.mjs, model from the CDN unless ADAATTN_MODEL_URL says otherwise)
 * zipped as the folder Figma imports:
 *
 *   release/adaattn-figma-plugin-<version>.zip
 *     adaattn-figma-plugin/manifest.json      "Import plugin from manifest…" takes this file
 *     adaattn-figma-plugin/dist/code.js
 *     adaattn-figma-plugin/dist/ui.html
 *     adaattn-figma-plugin/README.md, LICENSE
 *
 * The zip is written here (deflate from node:zlib, CRC-32 from zlib.crc32), with fixed timestamps, so the
 * same build gives the same bytes.
 *
 * Usage: node release.mjs   (npm run release)
 */
import { crc32, deflateRawSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlugin } from './build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const RELEASE_FOLDER = 'adaattn-figma-plugin';

/** 1980-01-01 00:00, the zip format's epoch: reproducible archives. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** A zip archive (deflated entries, no zip64: every file here is far below 4 GB) of `entries`. */
export function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, bytes } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const deflated = deflateRawSync(bytes, { level: 9 });
    const stored = deflated.length >= bytes.length;
    const data = stored ? Buffer.from(bytes) : deflated;
    const crc = crc32(bytes);
    const common = (b, at) => {
      b.writeUInt16LE(20, at); // version needed: 2.0 (deflate)
      b.writeUInt16LE(0x0800, at + 2); // UTF-8 names
      b.writeUInt16LE(stored ? 0 : 8, at + 4);
      b.writeUInt16LE(DOS_TIME, at + 6);
      b.writeUInt16LE(DOS_DATE, at + 8);
      b.writeUInt32LE(crc, at + 10);
      b.writeUInt32LE(data.length, at + 14);
      b.writeUInt32LE(bytes.length, at + 18);
      b.writeUInt16LE(nameBytes.length, at + 22);
      b.writeUInt16LE(0, at + 24); // no extra field
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    common(local, 4);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    common(central, 6);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular rw-r--r-- file
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** Builds for production and writes the zip; resolves to its path and what it holds. */
export async function release({ outDir = join(here, 'release'), modelUrl, quiet = false } = {}) {
  const built = await buildPlugin({ ...(modelUrl ? { modelUrl } : {}), quiet });
  const pkg = JSON.parse(await readFile(join(here, 'package.json'), 'utf8'));
  const license = join(here, '../../LICENSE');
  const files = [
    ['manifest.json', join(here, 'manifest.json')],
    ['dist/code.js', join(here, 'dist/code.js')],
    ['dist/ui.html', join(here, 'dist/ui.html')],
    ['README.md', join(here, 'README.md')],
    ...(existsSync(license) ? [['LICENSE', license]] : []),
  ];
  const entries = [];
  for (const [name, path] of files) entries.push({ name: `${RELEASE_FOLDER}/${name}`, bytes: await readFile(path) });
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `${RELEASE_FOLDER}-${pkg.version}.zip`);
  const archive = zip(entries);
  await writeFile(file, archive);
  if (!quiet)
    console.log(`${file}: ${(archive.length / 1e6).toFixed(2)} MB (${entries.map((e) => e.name).join(', ')}); model URL ${built.modelUrl}`);
  return { file, bytes: archive.length, names: entries.map((e) => e.name), modelUrl: built.modelUrl };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  release().catch((error) => {
    console.error(`release failed: ${error.message}`);
    process.exit(1);
  });
}
