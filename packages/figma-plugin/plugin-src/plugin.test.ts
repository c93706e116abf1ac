import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type FrameJob, type MainToUi, type PluginSettings, type UiToMain } from '../common/protocol.js';
import { FakeFigma, type FakeNode } from '../test-utils/fake-figma.js';
import { SETTINGS_KEY, SOURCE_KEY } from './limits.js';
import { startPlugin, type PluginController } from './plugin.js';

type Sent<T extends MainToUi['type']> = Extract<MainToUi, { type: T }>;

const DEFAULTS: PluginSettings = { ...DEFAULT_SETTINGS, modelBaseUrl: 'https://models.test/adaattn/' };

let figma: FakeFigma;
let controller: PluginController;
let frames: FakeNode[];

function send(message: UiToMain): Promise<void> {
  return figma.ui.deliver(message);
}

function framesOf(runId: number): FrameJob[] {
  const sent = figma.ui.sentOfType<Sent<'frames'>>('frames').find((m) => m.runId === runId);
  if (sent === undefined) throw new Error(`no frames message for run ${runId}`);
  return [...sent.frames];
}

async function result(runId: number, frame: FrameJob, styleName = 'wave'): Promise<void> {
  await send({
    type: 'result',
    runId,
    frameId: frame.id,
    styleName,
    png: new Uint8Array([137, 80, 78, 71, frame.width]),
    width: frame.width,
    height: frame.height,
  });
}

beforeEach(() => {
  figma = new FakeFigma();
  controller = startPlugin(figma, DEFAULTS);
  frames = [0, 1, 2].map((i) => figma.addNode({ name: `Frame ${i + 1}`, bounds: { x: i * 200, y: 0, width: 64 + 16 * i, height: 80 } }));
});

describe('settings and selection', () => {
  it('answers ui-ready with the defaults merged under the stored settings, and the selection', async () => {
    await figma.clientStorage.setAsync(SETTINGS_KEY, { scale: 2, placement: 'over', modelBaseUrl: 42 });
    figma.select([frames[0] as FakeNode]);
    await send({ type: 'ui-ready' });
    expect(figma.ui.sentOfType<Sent<'init'>>('init')).toEqual([
      { type: 'init', settings: { ...DEFAULTS, scale: 2, placement: 'over' }, selection: { count: 1, names: ['Frame 1'] } },
    ]);
  });

  it('saves settings to client storage, the model URL only when it is not the build default', async () => {
    const { modelBaseUrl: _default, ...rest } = { ...DEFAULTS, scale: 0.5 };
    await send({ type: 'save-settings', settings: { ...DEFAULTS, scale: 0.5 } });
    expect(figma.storage.get(SETTINGS_KEY)).toEqual(rest);
    const own: PluginSettings = { ...DEFAULTS, modelBaseUrl: 'http://localhost:8787/m/' };
    await send({ type: 'save-settings', settings: own });
    expect(figma.storage.get(SETTINGS_KEY)).toEqual(own);
  });

  it('tells the UI when the selection changes', () => {
    figma.select(frames);
    expect(figma.ui.sentOfType<Sent<'selection'>>('selection').at(-1)).toEqual({
      type: 'selection',
      selection: { count: 3, names: ['Frame 1', 'Frame 2', 'Frame 3'] },
    });
  });

  it('ignores messages that are not part of the protocol', async () => {
    await send({ type: 'drop-tables' } as unknown as UiToMain);
    await figma.ui.deliver('hello');
    expect(figma.ui.sent).toEqual([]);
    expect(figma.log).toEqual([]);
  });

  it('relays toasts the UI asks for', async () => {
    await send({ type: 'notify', message: 'The model could not be loaded', error: true });
    expect(figma.notifications).toEqual([{ message: 'The model could not be loaded', error: true }]);
  });
});

describe('a run', () => {
  it('exports each selected frame, places one result per frame, and commits the run as one undo step', async () => {
    const before = frames.map((f) => f.snapshot());
    figma.select(frames);
    await send({ type: 'start', runId: 1, scale: 2, placement: 'beside' });

    const jobs = framesOf(1);
    expect(jobs.map((j) => [j.id, j.name, j.width, j.height])).toEqual([
      [frames[0]?.id, 'Frame 1', 128, 160],
      [frames[1]?.id, 'Frame 2', 160, 160],
      [frames[2]?.id, 'Frame 3', 192, 160],
    ]);
    // The fake renderer encodes the export settings as the "PNG": check what was asked of Figma.
    expect(JSON.parse(new TextDecoder().decode(jobs[0]?.png))).toEqual({ format: 'PNG', constraint: { type: 'SCALE', value: 2 } });
    expect(controller.activeRunId).toBe(1);

    for (const job of jobs) await result(1, job);
    await send({ type: 'finished', runId: 1, outcome: 'done', failures: [] });

    const layers = figma.rectangles;
    expect(layers.map((l) => l.name)).toEqual(['wave — Frame 1', 'wave — Frame 2', 'wave — Frame 3']);
    expect(layers.map((l) => [l.x, l.y, l.width, l.height])).toEqual([
      [64 + 40, 0, 64, 80],
      [200 + 80 + 40, 0, 80, 80],
      [400 + 96 + 40, 0, 96, 80],
    ]);
    expect(layers.map((l) => l.getPluginData(SOURCE_KEY))).toEqual(frames.map((f) => f.id));
    expect(layers.every((l) => l.imageHash !== undefined && figma.images.has(l.imageHash))).toBe(true);
    expect(figma.undoSteps()).toEqual([layers.map((l) => l.id)]);
    expect(figma.log.at(-2)).toEqual({ kind: 'commitUndo' });
    expect(figma.notifications.at(-1)).toEqual({ message: 'Stylized 3 frames with “wave”.', error: false });
    expect(frames.map((f) => f.snapshot())).toEqual(before);
    expect(controller.activeRunId).toBeUndefined();
  });

  it('says what to do when nothing is selected', async () => {
    await send({ type: 'start', runId: 7, scale: 1, placement: 'beside' });
    expect(figma.ui.sentOfType<Sent<'run-rejected'>>('run-rejected')).toEqual([
      { type: 'run-rejected', runId: 7, message: 'Select one or more frames or layers to stylize.' },
    ]);
    expect(figma.notifications).toEqual([{ message: 'Select one or more frames or layers to stylize.', error: true }]);
    expect(controller.activeRunId).toBeUndefined();
  });

  it('rejects a selection with nothing exportable, naming each node and why', async () => {
    const sticky = figma.addNode({ name: 'Note', type: 'STICKY', bounds: { x: 0, y: 0, width: 10, height: 10 }, exportable: false });
    const hidden = figma.addNode({ name: 'Old', bounds: { x: 0, y: 0, width: 10, height: 10 }, visible: false });
    figma.select([sticky, hidden]);
    await send({ type: 'start', runId: 2, scale: 1, placement: 'beside' });
    expect(figma.ui.sentOfType<Sent<'run-rejected'>>('run-rejected')[0]?.message).toBe(
      'Nothing to stylize: “Note” is a sticky layer, which Figma cannot export as an image; “Old” is hidden.',
    );
  });

  it('skips nodes whose export fails or that cannot be exported, and stylizes the rest with a notice', async () => {
    const broken = figma.addNode({ name: 'Broken', bounds: { x: 0, y: 0, width: 10, height: 10 }, exportError: 'render failed' });
    const sticky = figma.addNode({ name: 'Note', type: 'STICKY', bounds: { x: 0, y: 0, width: 10, height: 10 }, exportable: false });
    figma.select([frames[0] as FakeNode, broken, sticky]);
    await send({ type: 'start', runId: 3, scale: 1, placement: 'beside' });
    expect(framesOf(3).map((f) => f.name)).toEqual(['Frame 1']);
    const notice =
      'Skipped “Note” is a sticky layer, which Figma cannot export as an image; “Broken” could not be exported (render failed).';
    expect(figma.ui.sentOfType<Sent<'frames'>>('frames')[0]?.notices).toEqual([notice]);
    expect(figma.notifications).toContainEqual({ message: notice, error: false });
  });

  it('downscales frames over 4096 px and tells the user', async () => {
    const poster = figma.addNode({ name: 'Poster', bounds: { x: 0, y: 0, width: 3000, height: 1500 } });
    figma.select([poster]);
    await send({ type: 'start', runId: 4, scale: 2, placement: 'over' });
    const [job] = framesOf(4);
    expect([job?.width, job?.height]).toEqual([4096, 2048]);
    expect(poster.exportCalls).toEqual([{ format: 'PNG', constraint: { type: 'WIDTH', value: 4096 } }]);
    expect(figma.notifications[0]?.message).toMatch(/“Poster” would be 6000×3000 px at 2×; exported at 4096×2048/);
  });

  it('keeps the results finished before a cancel, drops later ones, and still makes one undo step', async () => {
    figma.select(frames);
    await send({ type: 'start', runId: 5, scale: 1, placement: 'beside' });
    const jobs = framesOf(5);
    await result(5, jobs[0] as FrameJob);
    await send({ type: 'finished', runId: 5, outcome: 'cancelled', failures: [] });
    await result(5, jobs[1] as FrameJob); // in flight when the user cancelled
    expect(figma.rectangles.map((l) => l.name)).toEqual(['wave — Frame 1']);
    expect(figma.undoSteps()).toEqual([[figma.rectangles[0]?.id]]);
    expect(figma.notifications.at(-1)?.message).toBe('Cancelled: 1 of 3 frames stylized (kept).');
  });

  it('refuses a second run while one is active, and ignores results of another run', async () => {
    figma.select(frames);
    await send({ type: 'start', runId: 8, scale: 1, placement: 'beside' });
    await send({ type: 'start', runId: 9, scale: 1, placement: 'beside' });
    expect(figma.ui.sentOfType<Sent<'run-rejected'>>('run-rejected').map((m) => m.runId)).toEqual([9]);
    await result(9, framesOf(8)[0] as FrameJob);
    expect(figma.rectangles).toEqual([]);
  });

  it('stops quietly when cancelled while exporting', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const renderer = figma.renderer;
    figma.renderer = async (node, settings) => {
      await gate;
      return renderer(node, settings);
    };
    figma.select(frames);
    const started = send({ type: 'start', runId: 10, scale: 1, placement: 'beside' });
    await send({ type: 'finished', runId: 10, outcome: 'cancelled', failures: [] });
    release();
    await started;
    expect(figma.ui.sentOfType<Sent<'frames'>>('frames')).toEqual([]);
    expect(controller.activeRunId).toBeUndefined();
    expect(figma.notifications.at(-1)?.message).toBe('Cancelled: 0 of 3 frames stylized.');
  });

  it('reports a failed run and the frames that failed', async () => {
    figma.select(frames);
    await send({ type: 'start', runId: 11, scale: 1, placement: 'beside' });
    await result(11, framesOf(11)[0] as FrameJob);
    await send({ type: 'finished', runId: 11, outcome: 'done', failures: [{ name: 'Frame 2', message: 'out of memory' }] });
    expect(figma.notifications.at(-1)?.message).toBe('Stylized 1 frame with “wave”; 1 frame failed (“Frame 2”: out of memory).');
    await send({ type: 'start', runId: 12, scale: 1, placement: 'beside' });
    await send({ type: 'finished', runId: 12, outcome: 'failed', failures: [], message: 'WebGL context lost' });
    expect(figma.notifications.at(-1)).toEqual({ message: 'Stylizing failed: WebGL context lost.', error: true });
  });

  it('turns a result Figma refuses into a toast and carries on', async () => {
    figma.select(frames);
    await send({ type: 'start', runId: 13, scale: 1, placement: 'beside' });
    const [first, second] = framesOf(13);
    await send({ type: 'result', runId: 13, frameId: (first as FrameJob).id, styleName: 's', png: new Uint8Array(0), width: 1, height: 1 });
    await result(13, second as FrameJob);
    expect(figma.notifications.at(-1)).toEqual({ message: 'Could not place the result for “Frame 1”: Image is empty', error: true });
    expect(figma.rectangles).toHaveLength(1);
  });
});

describe('picking the style from the canvas', () => {
  it('takes the original bytes of an image fill', async () => {
    const { hash } = figma.createImage(new Uint8Array([0xff, 0xd8, 0xff, 1]));
    const painting = figma.addNode({
      name: 'udnie',
      type: 'RECTANGLE',
      bounds: { x: 0, y: 0, width: 50, height: 50 },
      fills: [{ type: 'IMAGE', imageHash: hash, scaleMode: 'FILL' }],
    });
    figma.select([painting]);
    await send({ type: 'pick-style' });
    expect(figma.ui.sentOfType<Sent<'style-picked'>>('style-picked')).toEqual([
      { type: 'style-picked', name: 'udnie', bytes: new Uint8Array([0xff, 0xd8, 0xff, 1]) },
    ]);
    expect(painting.exportCalls).toEqual([]);
  });

  it('renders other nodes to PNG, no larger than 1024 px a side', async () => {
    const drawing = figma.addNode({ name: 'Sketch', bounds: { x: 0, y: 0, width: 2048, height: 512 } });
    figma.select([drawing]);
    await send({ type: 'pick-style' });
    expect(drawing.exportCalls).toEqual([{ format: 'PNG', constraint: { type: 'SCALE', value: 0.5 } }]);
    expect(figma.ui.sentOfType<Sent<'style-picked'>>('style-picked')[0]?.name).toBe('Sketch');
  });

  it('asks for exactly one layer', async () => {
    await send({ type: 'pick-style' });
    figma.select(frames);
    await send({ type: 'pick-style' });
    expect(figma.ui.sentOfType<Sent<'style-rejected'>>('style-rejected').map((m) => m.message)).toEqual([
      'Select one image layer to use as the style, then press “Use selection”.',
      'Select just one layer to use as the style (3 are selected).',
    ]);
  });
});
