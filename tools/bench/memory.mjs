// The memory check of the ONNX Runtime backend (not part of the tests: it takes minutes):
//   node tools/bench/memory.mjs [--content 4096] [--style 1024] [--budget-mib 3072] [--limit-gib 6]
// Stylizes a content × content image with a style × style image in one process and reports its peak RSS;
// exits 1 when that exceeds --limit-gib. --budget-mib is the backend's per-graph memory budget
// (createOnnxNodeBackend({ memoryBudgetBytes }); default: the SDK's own, 3 GiB): larger graphs are computed in
// bands of rows.
import { readFile } from 'node:fs/promises';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Stylizer, loadModelFromFiles } from '@adaattn/core';
import { createOnnxNodeBackend } from '@adaattn/core/backends/onnx/node';
import { sampleImage } from './inputs.mjs';
import { DEFAULT_GRAPH_MEMORY_BYTES, onnxStats } from '@adaattn/core/backends/onnx';

const { values } = parseArgs({
  options: {
    content: { type: 'string', default: '4096' },
    style: { type: 'string', default: '1024' },
    'budget-mib': { type: 'string', default: String(DEFAULT_GRAPH_MEMORY_BYTES / 1024 ** 2) },
    'limit-gib': { type: 'string', default: '6' },
    threads: { type: 'string', default: '2' },
    model: { type: 'string', default: 'packages/model-image' },
  },
});
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [contentSide, styleSide] = [Number(values.content), Number(values.style)];
const gib = (bytes) => (bytes / 1024 ** 3).toFixed(2);
const rss = () => process.resourceUsage().maxRSS * 1024;

const model = resolve(root, values.model);
const loaded = await loadModelFromFiles(async (name) => new Uint8Array(await readFile(join(model, name))));
let graphs = 0;
const backend = await createOnnxNodeBackend({
  threads: Number(values.threads),
  memoryBudgetBytes: Number(values['budget-mib']) * 1024 ** 2,
  // Recording is instant; the work happens when the result is read, graph by graph: report those.
  onGraphRun: (g) =>
    process.stderr.write(
      `graph ${++graphs} (${g.kind}, ${g.nodes} nodes, ~${gib(g.peakBytes)} GiB): session ${(g.sessionMs / 1000).toFixed(1)} s, ` +
        `run ${(g.runMs / 1000).toFixed(1)} s; peak RSS so far ${gib(rss())} GiB\n`,
    ),
});
const stylizer = Stylizer.create(backend, loaded.weights);
const content = await sampleImage('content/tubingen.jpg', contentSide);
const style = await sampleImage('style/udnie.jpg', styleSide);
const before = rss();
const t0 = performance.now();
let last = -1;
const out = await stylizer.stylize(content, style, {
  onProgress: (p) => {
    const pct = Math.floor(p.fraction * 10);
    if (pct !== last)
      process.stderr.write(
        `${p.stage} ${Math.round(p.fraction * 100)} % (${((performance.now() - t0) / 1000).toFixed(0)} s, peak RSS ${gib(rss())} GiB)\n`,
      );
    last = pct;
  },
});
const seconds = (performance.now() - t0) / 1000;
const peak = rss();
const limit = Number(values['limit-gib']) * 1024 ** 3;
const stats = onnxStats(backend);
console.log(
  JSON.stringify({
    content: `${contentSide}x${contentSide}`,
    style: `${styleSide}x${styleSide}`,
    output: `${out.width}x${out.height}`,
    budgetMiB: Number(values['budget-mib']),
    seconds: Number(seconds.toFixed(1)),
    peakRssGiB: Number(gib(peak)),
    rssBeforeStylizeGiB: Number(gib(before)),
    limitGiB: Number(values['limit-gib']),
    largestGraphGiB: Number(gib(stats.largestGraphBytes)),
    runs: stats.runs,
    sessionsCreated: stats.sessionsCreated,
    sessionSeconds: Number((stats.sessionMs / 1000).toFixed(1)),
  }),
);
stylizer.dispose();
process.exit(peak <= limit ? 0 : 1);
