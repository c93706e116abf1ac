/**
 * The UI's controller: keeps the settings, the style and the run in progress; turns the user's actions and
 * the main thread's messages into model work and messages back. Every run ends with exactly one `finished`
 * message, whatever happens, so the main thread can close its undo step.
 */
import { MIN_STYLE_SIDE, type PixelImage, type StyleInput } from '@adaattn/core';
import { decodeImage, encodePng } from '@adaattn/core/browser';
import {
  DEFAULT_SETTINGS,
  type FrameJob,
  type MainToUi,
  type PluginSettings,
  type RunOutcome,
  type SelectionSummary,
} from '../common/protocol.js';
import type { Bridge } from './bridge.js';
import { needsStyleImage, type CreativeControls } from './controls.js';
import type { Engine, EngineStatus } from './engine.js';
import type { LoadProgress } from './model-loader.js';
import { runFrames, type RunSummary } from './runner.js';
import type { View } from './view.js';

/** Styles are encoded at most this large on the long side: the official test-time style size. */
export const STYLE_MAX_SIDE = 512;

interface Style {
  readonly key: string;
  readonly name: string;
  readonly image: PixelImage;
}

interface Run {
  readonly runId: number;
  readonly controller: AbortController;
  phase: 'exporting' | 'running';
  readonly startedAt: number;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** Rejects with the signal's reason as soon as it fires, without cancelling `promise` itself. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function stripExtension(fileName: string): string {
  return fileName.replace(/\.[a-z0-9]+$/i, '') || fileName;
}

export class App {
  private settings: PluginSettings = DEFAULT_SETTINGS;
  private selection: SelectionSummary = { count: 0, names: [] };
  private style: Style | undefined;
  private run: Run | undefined;
  private nextRunId = 1;
  private nextStyleKey = 1;
  private view!: View;

  constructor(
    private readonly bridge: Bridge,
    private readonly engine: Engine,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Connects the view (made with this app's actions) and tells the main thread the UI is ready. */
  start(makeView: (app: App) => View): void {
    this.view = makeView(this);
    this.bridge.subscribe((message) => this.onMessage(message));
    this.refresh();
    this.bridge.send({ type: 'ui-ready' });
  }

  // ---- view actions ----------------------------------------------------------------------------------

  onStyleFile(file: File): void {
    void file.arrayBuffer().then(
      (buffer) => this.setStyle(stripExtension(file.name), new Uint8Array(buffer)),
      (error) => this.view.setStatus(`Could not read ${file.name}: ${messageOf(error)}`, true),
    );
  }

  onUseSelection(): void {
    this.view.setStatus('Reading the selected layer…');
    this.bridge.send({ type: 'pick-style' });
  }

  onSettingsChange(): void {
    this.settings = this.view.readSettings();
    this.bridge.send({ type: 'save-settings', settings: this.settings });
  }

  onStylize(): void {
    if (this.run !== undefined || this.style === undefined) return;
    const runId = this.nextRunId++;
    this.run = { runId, controller: new AbortController(), phase: 'exporting', startedAt: this.now() };
    this.view.setBusy(true);
    this.view.setStatus('Exporting the selection…');
    this.bridge.send({ type: 'start', runId, scale: this.settings.scale, placement: this.settings.placement });
  }

  onCancel(): void {
    const run = this.run;
    if (run === undefined) return;
    run.controller.abort();
    this.view.setStatus('Cancelling…');
    // While exporting there is no loop to notice the abort: end the run here.
    if (run.phase === 'exporting') this.endRun(run, { outcome: 'cancelled', done: 0, failures: [] });
  }

  // ---- main-thread messages --------------------------------------------------------------------------

  private onMessage(message: MainToUi): void {
    switch (message.type) {
      case 'init':
        this.settings = message.settings;
        this.view.showSettings(message.settings);
        this.selection = message.selection;
        this.refresh();
        return;
      case 'selection':
        this.selection = message.selection;
        this.refresh();
        return;
      case 'style-picked':
        void this.setStyle(message.name, message.bytes);
        return;
      case 'style-rejected':
        this.view.setStatus(message.message, true);
        return;
      case 'run-rejected':
        if (this.run?.runId === message.runId) {
          this.run = undefined;
          this.view.setBusy(false);
          this.refresh();
          this.view.setStatus(message.message, true);
        }
        return;
      case 'frames':
        if (this.run?.runId === message.runId && !this.run.controller.signal.aborted)
          void this.process(this.run, message.frames, message.notices);
        return;
    }
  }

  // ---- work ------------------------------------------------------------------------------------------

  private refresh(): void {
    this.view.showSelection(this.selection, this.run !== undefined, this.style !== undefined);
  }

  private async setStyle(name: string, bytes: Uint8Array): Promise<void> {
    try {
      const decoded = await decodeImage(bytes, STYLE_MAX_SIDE);
      const { image } = decoded;
      if (image.width < MIN_STYLE_SIDE || image.height < MIN_STYLE_SIDE) {
        throw new Error(`the style image is ${image.width}×${image.height} px; the model needs at least ${MIN_STYLE_SIDE} px a side`);
      }
      this.style = { key: `style-${this.nextStyleKey++}`, name, image };
      this.view.showStyle(name, image, { width: decoded.sourceWidth, height: decoded.sourceHeight });
      this.view.setStatus(`Style: ${name}`);
      this.refresh();
      this.preload();
    } catch (error) {
      this.view.setStatus(`Could not use “${name}” as the style: ${messageOf(error)}`, true);
    }
  }

  /** Starts the model download once a style is chosen: the user is about to need it. */
  private preload(): void {
    this.engine
      .ready(this.settings.modelBaseUrl, (p) => this.showLoad(p))
      .then(
        (status) => {
          this.showEngine(status);
          if (this.run === undefined) this.view.setStatus('Model ready.');
        },
        (error) => this.modelFailed(error),
      );
  }

  private showLoad(p: LoadProgress): void {
    if (p.totalBytes === 0) return;
    const verb = p.fromCache ? 'Reading cached model' : 'Downloading model';
    this.view.setStatus(`${verb}: ${megabytes(p.loadedBytes)} / ${megabytes(p.totalBytes)} MB`);
  }

  private showEngine(status: EngineStatus): void {
    const fallback = status.fellBackFrom.length > 0 ? `\nNot used: ${status.fellBackFrom.join('; ')}` : '';
    const cache = status.cachedFiles > 0 ? `, ${status.cachedFiles} files from cache` : '';
    const notCached = status.notCached === undefined ? '' : `\nNot cached (downloads again next time): ${status.notCached}`;
    this.view.setEngineInfo(`${status.modelName} on ${status.backend}${cache}${fallback}${notCached}`);
  }

  /** Shows why the model failed to load; `toast` also raises a Figma error toast (a failed run has its own). */
  private modelFailed(error: unknown, toast = true): string {
    const message = `The model could not be loaded from ${this.settings.modelBaseUrl}: ${messageOf(error)}`;
    this.view.setStatus(message, true);
    if (toast)
      this.bridge.send({ type: 'notify', message: 'AdaAttN: the model could not be loaded (see the plugin window).', error: true });
    return message;
  }

  private async process(run: Run, frames: readonly FrameJob[], notices: readonly string[]): Promise<void> {
    run.phase = 'running';
    const style = this.style as Style;
    const signal = run.controller.signal;
    this.view.showFrames(frames.map((f) => `${f.name} (${f.width}×${f.height})`));
    let summary: RunSummary;
    try {
      this.view.setStatus(notices.length > 0 ? notices.join('\n') : 'Loading the model…');
      let status: EngineStatus;
      try {
        status = await untilAborted(
          this.engine.ready(this.settings.modelBaseUrl, (p) => this.showLoad(p)),
          signal,
        );
      } catch (error) {
        if (signal.aborted) throw error;
        summary = { outcome: 'failed', done: 0, failures: [], message: this.modelFailed(error, false) };
        this.endRun(run, summary);
        return;
      }
      this.showEngine(status);
      const controls: CreativeControls = { strength: this.settings.strength, preserveColor: this.settings.preserveColor };
      let styleInput: StyleInput;
      if (needsStyleImage(controls)) {
        styleInput = style.image; // recoloured to each layer, so encoded once per layer by core
      } else {
        this.view.setStatus(`Encoding the style “${style.name}”…`);
        styleInput = await this.engine.encodeStyle(style.key, style.image, signal);
      }
      let current = 0;
      summary = await runFrames(
        frames,
        {
          decode: async (png) => (await decodeImage(png)).image,
          encode: encodePng,
          stylize: (content, s, onProgress) => this.engine.stylize(content, styleInput, controls, s, onProgress),
        },
        signal,
        {
          onFrameState: (index, state, detail) => {
            this.view.frameState(index, state, detail);
            if (state === 'running') {
              current = index;
              this.view.setStatus(`Stylizing ${current + 1} of ${frames.length}: ${frames[index]?.name ?? ''}`);
            }
          },
          onFrameProgress: (index, fraction) => this.view.frameProgress(index, fraction),
          onResult: (frame, png, width, height) =>
            this.bridge.send({ type: 'result', runId: run.runId, frameId: frame.id, styleName: style.name, png, width, height }),
        },
      );
    } catch (error) {
      summary = signal.aborted
        ? { outcome: 'cancelled', done: 0, failures: [] }
        : { outcome: 'failed', done: 0, failures: [], message: messageOf(error) };
    }
    this.endRun(run, summary);
  }

  private endRun(run: Run, summary: RunSummary): void {
    if (this.run !== run) return; // already ended (cancelled while exporting)
    this.run = undefined;
    this.bridge.send({
      type: 'finished',
      runId: run.runId,
      outcome: summary.outcome,
      failures: summary.failures,
      ...(summary.message === undefined ? {} : { message: summary.message }),
    });
    this.view.setBusy(false);
    this.refresh();
    const seconds = ((this.now() - run.startedAt) / 1000).toFixed(1);
    const text: Record<RunOutcome, string> = {
      done: `Done: ${summary.done} stylized in ${seconds} s${summary.failures.length > 0 ? `; failed: ${summary.failures.map((f) => `${f.name} (${f.message})`).join(', ')}` : ''}.`,
      cancelled: `Cancelled after ${summary.done} finished.`,
      failed: `Failed: ${summary.message ?? 'unknown error'}`,
    };
    this.view.setStatus(text[summary.outcome], summary.outcome === 'failed');
  }
}
