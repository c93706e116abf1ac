import { describe, expect, it } from 'vitest';
import { FakeFigma } from '../test-utils/fake-figma.js';
import { describeSkipped, exportSize, planExports, whyNotExportable } from './export-plan.js';
import { MAX_IMAGE_SIDE } from './limits.js';

describe('exportSize', () => {
  it('keeps the requested scale under the limit', () => {
    expect(exportSize(300, 200, 2)).toEqual({
      constraint: { type: 'SCALE', value: 2 },
      pixelWidth: 600,
      pixelHeight: 400,
      downscaled: false,
    });
    expect(exportSize(2048, 1000, 2).downscaled).toBe(false); // exactly 4096 is allowed
  });

  it('pins the long side at 4096 when the scale would exceed it', () => {
    expect(exportSize(3000, 1000, 2)).toEqual({
      constraint: { type: 'WIDTH', value: MAX_IMAGE_SIDE },
      pixelWidth: 4096,
      pixelHeight: 1365,
      downscaled: true,
    });
    expect(exportSize(1000, 5000, 1)).toEqual({
      constraint: { type: 'HEIGHT', value: MAX_IMAGE_SIDE },
      pixelWidth: 819,
      pixelHeight: 4096,
      downscaled: true,
    });
  });

  it('never rounds a side down to zero', () => {
    expect(exportSize(0.4, 10, 0.5)).toMatchObject({ pixelWidth: 1, pixelHeight: 5 });
    expect(exportSize(100000, 1, 1)).toMatchObject({ pixelWidth: 4096, pixelHeight: 1 });
  });
});

describe('planExports', () => {
  const figma = new FakeFigma();
  const frame = figma.addNode({ name: 'Hero', bounds: { x: 10, y: 20, width: 320, height: 200 } });
  const big = figma.addNode({ name: 'Poster', bounds: { x: 0, y: 0, width: 5000, height: 2500 } });
  const hidden = figma.addNode({ name: 'Draft', bounds: { x: 0, y: 0, width: 10, height: 10 }, visible: false });
  const sticky = figma.addNode({ name: 'Note', type: 'STICKY', bounds: { x: 0, y: 0, width: 10, height: 10 }, exportable: false });
  const empty = figma.addNode({ name: 'Empty group', type: 'GROUP', bounds: { x: 0, y: 0, width: 0, height: 0 } });

  it('plans PNG exports at the chosen scale, with the render bounds as placement', () => {
    const { plans, skipped } = planExports([frame], 2);
    expect(skipped).toEqual([]);
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({
      bounds: { x: 10, y: 20, width: 320, height: 200 },
      settings: { format: 'PNG', constraint: { type: 'SCALE', value: 2 } },
      pixelWidth: 640,
      pixelHeight: 400,
    });
    expect(plans[0]?.notice).toBeUndefined();
  });

  it('downscales frames over Figma’s image limit and says so', () => {
    const { plans } = planExports([big], 1);
    expect(plans[0]?.settings.constraint).toEqual({ type: 'WIDTH', value: 4096 });
    expect(plans[0]?.notice).toBe('“Poster” would be 5000×2500 px at 1×; exported at 4096×2048 (Figma images are at most 4096 px a side)');
  });

  it('skips what cannot be exported, naming each with its reason', () => {
    const { plans, skipped } = planExports([hidden, frame, sticky, empty], 1);
    expect(plans.map((p) => p.node.name)).toEqual(['Hero']);
    expect(skipped).toEqual([
      { name: 'Draft', reason: 'is hidden' },
      { name: 'Note', reason: 'is a sticky layer, which Figma cannot export as an image' },
      { name: 'Empty group', reason: 'has nothing visible to export' },
    ]);
    expect(describeSkipped(skipped)).toBe(
      '“Draft” is hidden; “Note” is a sticky layer, which Figma cannot export as an image; “Empty group” has nothing visible to export',
    );
  });

  it('treats a deleted node and missing render bounds as not exportable', () => {
    const gone = figma.addNode({ name: 'Gone', bounds: { x: 0, y: 0, width: 5, height: 5 } });
    gone.removed = true;
    expect(whyNotExportable(gone)).toBe('was deleted');
    const unrendered = figma.addNode({ name: 'Nothing', bounds: { x: 0, y: 0, width: 5, height: 5 } });
    unrendered.absoluteRenderBounds = null;
    expect(whyNotExportable(unrendered)).toBe('has nothing visible to export');
  });
});
