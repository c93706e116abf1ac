/**
 * The main-thread controller: answers the UI's messages by reading the selection, exporting it, and placing
 * results. It never runs the model (the sandbox has no WebGL or wasm threads worth using) and never modifies
 * a selected node.
 */
import {
  isUiToMain,
  mergeSettings,
  type FrameJob,
  type MainToUi,
  type OutputScale,
  type Placement,
  type PluginSettings,
  type SelectionSummary,
  type UiToMain,
} from '../common/protocol.js';
import { BUILD_DEFAULTS } from './config.js';
import { describeSkipped, planExports, type Skipped } from './export-plan.js';
import type { PluginHost, SourceNode } from './host.js';
import { SETTINGS_KEY } from './limits.js';
import { placeResult, type SourceInfo } from './place-result.js';
import { pickStyle } from './style-pick.js';

const SUMMARY_NAMES = 3;

interface ActiveRun {
  readonly runId: number;
  readonly placement: Placement;
  readonly sources: Map<string, SourceInfo>;
  placed: number;
  failed: number;
  total: number;
  styleName: string | undefined;
}

export function summarizeSelection(selection: ReadonlyArray<SourceNode>): SelectionSummary {
  return { count: selection.length, names: selection.slice(0, SUMMARY_NAMES).map((n) => n.name) };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export class PluginController {
  private active: ActiveRun | undefined;

  constructor(
    private readonly host: PluginHost,
    private readonly defaults: PluginSettings = BUILD_DEFAULTS,
  ) {}

  /** The run in progress, if any (for tests and diagnostics). */
  get activeRunId(): number | undefined {
    return this.active?.runId;
  }

  private post(message: MainToUi): void {
    this.host.ui.postMessage(message);
  }

  selectionChanged(): void {
    this.post({ type: 'selection', selection: summarizeSelection(this.host.currentPage.selection) });
  }

  /** Handles one message from the UI. Never rejects: a failure becomes a toast (the sandbox has no console UI). */
  async handle(raw: unknown): Promise<void> {
    if (!isUiToMain(raw)) return;
    try {
      await this.dispatch(raw);
    } catch (error) {
      this.host.notify(`AdaAttN: ${messageOf(error)}`, { error: true });
    }
  }

  private async dispatch(message: UiToMain): Promise<void> {
    switch (message.type) {
      case 'ui-ready':
        return this.sendInit();
      case 'save-settings': {
        // The build's model URL is not stored: a plugin update that moves to a new model version then
        // reaches everyone who never typed a URL of their own.
        const { modelBaseUrl, ...rest } = message.settings;
        await this.host.clientStorage.setAsync(SETTINGS_KEY, modelBaseUrl === this.defaults.modelBaseUrl ? rest : message.settings);
        return;
      }
      case 'pick-style':
        return this.pickStyle();
      case 'start':
        return this.start(message.runId, message.scale, message.placement);
      case 'result':
        return this.result(message);
      case 'finished':
        return this.finish(message);
      case 'notify':
        this.host.notify(message.message, { error: message.error });
        return;
    }
  }

  private async sendInit(): Promise<void> {
    let stored: unknown;
    try {
      stored = await this.host.clientStorage.getAsync(SETTINGS_KEY);
    } catch {
      stored = undefined; // storage unavailable: start from the defaults
    }
    this.post({
      type: 'init',
      settings: mergeSettings(stored, this.defaults),
      selection: summarizeSelection(this.host.currentPage.selection),
    });
  }

  private async pickStyle(): Promise<void> {
    const pick = await pickStyle(this.host);
    if (pick.ok) {
      this.post({ type: 'style-picked', name: pick.name, bytes: pick.bytes });
    } else {
      this.host.notify(pick.message, { error: true });
      this.post({ type: 'style-rejected', message: pick.message });
    }
  }

  private reject(runId: number, message: string): void {
    this.host.notify(message, { error: true });
    this.post({ type: 'run-rejected', runId, message });
  }

  private async start(runId: number, scale: OutputScale, placement: Placement): Promise<void> {
    if (this.active !== undefined) {
      this.reject(runId, 'A stylize run is already in progress: wait for it or cancel it first.');
      return;
    }
    const selection = this.host.currentPage.selection;
    if (selection.length === 0) {
      this.reject(runId, 'Select one or more frames or layers to stylize.');
      return;
    }
    const { plans, skipped: unexportable } = planExports(selection, scale);
    if (plans.length === 0) {
      this.reject(runId, `Nothing to stylize: ${describeSkipped(unexportable)}.`);
      return;
    }
    const run: ActiveRun = { runId, placement, sources: new Map(), placed: 0, failed: 0, total: plans.length, styleName: undefined };
    this.active = run;
    // Whatever the user did before this run is its own undo step; everything until `finished` is ours.
    this.host.commitUndo();

    const frames: FrameJob[] = [];
    const skipped: Skipped[] = [...unexportable];
    const notices: string[] = [];
    for (const plan of plans) {
      try {
        const png = await (plan.node.exportAsync as NonNullable<SourceNode['exportAsync']>)(plan.settings);
        frames.push({ id: plan.node.id, name: plan.node.name, png, width: plan.pixelWidth, height: plan.pixelHeight });
        run.sources.set(plan.node.id, { id: plan.node.id, name: plan.node.name, bounds: plan.bounds });
        if (plan.notice !== undefined) notices.push(plan.notice);
      } catch (error) {
        skipped.push({ name: plan.node.name, reason: `could not be exported (${messageOf(error)})` });
      }
      // The user may have cancelled while we exported: stop, and tell no one (the UI already moved on).
      if (this.active !== run) return;
    }
    if (skipped.length > 0) notices.push(`Skipped ${describeSkipped(skipped)}.`);
    if (frames.length === 0) {
      this.active = undefined;
      this.reject(runId, `Nothing to stylize: ${describeSkipped(skipped)}.`);
      return;
    }
    run.total = frames.length;
    for (const notice of notices) this.host.notify(notice, { timeout: 6000 });
    this.post({ type: 'frames', runId, frames, notices });
  }

  private result(message: Extract<UiToMain, { type: 'result' }>): void {
    const run = this.active;
    if (run === undefined || run.runId !== message.runId) return; // a late result of a cancelled run
    const source = run.sources.get(message.frameId);
    if (source === undefined) return;
    run.styleName = message.styleName;
    try {
      placeResult(this.host, source, message, run.placement);
      run.placed++;
    } catch (error) {
      run.failed++;
      this.host.notify(`Could not place the result for “${source.name}”: ${messageOf(error)}`, { error: true });
    }
  }

  private finish(message: Extract<UiToMain, { type: 'finished' }>): void {
    const run = this.active;
    if (run === undefined || run.runId !== message.runId) return;
    this.active = undefined;
    // One undo step for the whole run, kept results included (a cancelled run keeps what it finished).
    this.host.commitUndo();
    const style = run.styleName === undefined ? '' : ` with “${run.styleName}”`;
    const failures = message.failures.length + run.failed;
    const failedNote =
      failures > 0
        ? `; ${plural(failures, 'frame')} failed${message.failures.length > 0 ? ` (${message.failures.map((f) => `“${f.name}”: ${f.message}`).join('; ')})` : ''}`
        : '';
    switch (message.outcome) {
      case 'done':
        this.host.notify(`Stylized ${plural(run.placed, 'frame')}${style}${failedNote}.`, { error: run.placed === 0 });
        return;
      case 'cancelled':
        this.host.notify(`Cancelled: ${run.placed} of ${plural(run.total, 'frame')} stylized${run.placed > 0 ? ' (kept)' : ''}.`);
        return;
      case 'failed':
        this.host.notify(
          `Stylizing failed: ${message.message ?? 'unknown error'}${run.placed > 0 ? ` (${plural(run.placed, 'result')} kept)` : ''}.`,
          { error: true },
        );
        return;
    }
  }
}

/** Wires the controller to the host's events. Returns it for tests. */
export function startPlugin(host: PluginHost, defaults?: PluginSettings): PluginController {
  const controller = new PluginController(host, defaults);
  host.ui.on('message', (message) => controller.handle(message));
  host.on('selectionchange', () => controller.selectionChanged());
  return controller;
}
