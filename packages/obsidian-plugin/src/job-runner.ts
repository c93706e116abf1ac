/**
 * Runs one stylize job at a time behind a progress notice, and turns its end into a short notice: the
 * result, "cancelled", or the error's message (core's errors say what to do). One at a time because
 * two runs would compete for the same GPU or CPU and each would take twice as long.
 */
import { AbortError } from '@adaattn/core';
import { Notice } from 'obsidian';
import type { EnginePhase, EngineRun, EngineStatus } from './engine';
import { ProgressNotice } from './progress-notice';

const PHASE_TEXT: Readonly<Record<EnginePhase, string>> = {
  'download-model': 'Downloading the model (first use only)',
  'load-model': 'Loading the model',
  'encode-style': 'Encoding the style',
  stylize: 'Stylizing',
};

function statusText(status: EngineStatus): string {
  return `${PHASE_TEXT[status.phase]}… ${status.detail ?? `${Math.round(status.fraction * 100)}%`}`;
}

export class JobRunner {
  private active: AbortController | undefined;

  get busy(): boolean {
    return this.active !== undefined;
  }

  /** The work's result, or undefined when it was cancelled, failed (both reported) or refused as busy. */
  async run<T>(title: string, work: (run: EngineRun) => Promise<T>): Promise<T | undefined> {
    if (this.active !== undefined) {
      new Notice('A stylize run is already in progress: wait for it or cancel it first.');
      return undefined;
    }
    const controller = new AbortController();
    this.active = controller;
    const progress = new ProgressNotice(title, () => controller.abort());
    progress.update('Starting…');
    try {
      return await work({ signal: controller.signal, onStatus: (s) => progress.update(statusText(s), s.fraction) });
    } catch (error) {
      if (error instanceof AbortError || controller.signal.aborted) {
        new Notice('Stylize cancelled.');
      } else {
        console.error('[adaattn] stylize failed', error);
        new Notice(`Stylize failed: ${error instanceof Error ? error.message : String(error)}`, 15_000);
      }
      return undefined;
    } finally {
      progress.close();
      if (this.active === controller) this.active = undefined;
    }
  }

  /** Cancels the run in progress, if any (e.g. when the plugin unloads). */
  cancel(): void {
    this.active?.abort();
  }
}
