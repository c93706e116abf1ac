/**
 * The panel's DOM: finds the elements of ui.html once, renders state into them, and reports the user's
 * actions. No model or protocol logic here.
 */
import type { PixelImage } from '@adaattn/core';
import { drawThumbnail } from '@adaattn/core/browser';
import {
  COLOR_MODES,
  OUTPUT_SCALES,
  type ColorMode,
  type OutputScale,
  type Placement,
  type PluginSettings,
  type SelectionSummary,
} from '../common/protocol.js';
import type { FrameState } from './runner.js';

export interface ViewActions {
  onStyleFile(file: File): void;
  onUseSelection(): void;
  onStylize(): void;
  onCancel(): void;
  onSettingsChange(): void;
}

function byId<T extends HTMLElement>(doc: Document, id: string): T {
  const element = doc.getElementById(id);
  if (element === null) throw new Error(`ui.html has no #${id}`);
  return element as T;
}

const STATE_LABEL: Readonly<Record<FrameState, string>> = {
  queued: 'queued',
  running: '…',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

export class View {
  private readonly thumb: HTMLCanvasElement;
  private readonly styleName: HTMLElement;
  private readonly styleSize: HTMLElement;
  private readonly file: HTMLInputElement;
  private readonly chooseFile: HTMLButtonElement;
  private readonly useSelection: HTMLButtonElement;
  private readonly scale: HTMLSelectElement;
  private readonly placement: HTMLSelectElement;
  private readonly strength: HTMLInputElement;
  private readonly strengthValue: HTMLOutputElement;
  private readonly preserveColor: HTMLSelectElement;
  private readonly selectionLabel: HTMLElement;
  private readonly frames: HTMLUListElement;
  private readonly stylize: HTMLButtonElement;
  private readonly cancel: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly modelUrl: HTMLInputElement;
  private readonly engineInfo: HTMLElement;

  constructor(
    private readonly doc: Document,
    actions: ViewActions,
  ) {
    this.thumb = byId(doc, 'style-thumb');
    this.styleName = byId(doc, 'style-name');
    this.styleSize = byId(doc, 'style-size');
    this.file = byId(doc, 'style-file');
    this.chooseFile = byId(doc, 'choose-file');
    this.useSelection = byId(doc, 'use-selection');
    this.scale = byId(doc, 'scale');
    this.placement = byId(doc, 'placement');
    this.strength = byId(doc, 'strength');
    this.strengthValue = byId(doc, 'strength-value');
    this.preserveColor = byId(doc, 'preserve-color');
    this.selectionLabel = byId(doc, 'selection-label');
    this.frames = byId(doc, 'frames');
    this.stylize = byId(doc, 'stylize');
    this.cancel = byId(doc, 'cancel');
    this.status = byId(doc, 'status');
    this.modelUrl = byId(doc, 'model-url');
    this.engineInfo = byId(doc, 'engine-info');

    this.chooseFile.addEventListener('click', () => this.file.click());
    this.file.addEventListener('change', () => {
      const file = this.file.files?.[0];
      if (file !== undefined) actions.onStyleFile(file);
      this.file.value = ''; // choosing the same file again still fires 'change'
    });
    this.useSelection.addEventListener('click', () => actions.onUseSelection());
    this.stylize.addEventListener('click', () => actions.onStylize());
    this.cancel.addEventListener('click', () => actions.onCancel());
    for (const input of [this.scale, this.placement, this.strength, this.preserveColor, this.modelUrl]) {
      input.addEventListener('change', () => actions.onSettingsChange());
    }
    this.strength.addEventListener('input', () => this.showStrength());
  }

  private showStrength(): void {
    this.strengthValue.value = `${Math.round(Number(this.strength.value) * 100)}%`;
  }

  showSettings(settings: PluginSettings): void {
    this.scale.value = String(settings.scale);
    this.placement.value = settings.placement;
    this.strength.value = String(settings.strength);
    this.preserveColor.value = settings.preserveColor;
    this.modelUrl.value = settings.modelBaseUrl;
    this.showStrength();
  }

  readSettings(): PluginSettings {
    const scale = Number(this.scale.value);
    return {
      modelBaseUrl: this.modelUrl.value.trim(),
      scale: ((OUTPUT_SCALES as readonly number[]).includes(scale) ? scale : 1) as OutputScale,
      placement: this.placement.value === 'over' ? 'over' : ('beside' satisfies Placement),
      strength: Number(this.strength.value),
      preserveColor: (COLOR_MODES as readonly string[]).includes(this.preserveColor.value)
        ? (this.preserveColor.value as ColorMode)
        : 'off',
    };
  }

  showStyle(name: string, image: PixelImage, originalSize: { width: number; height: number }): void {
    this.styleName.textContent = name;
    const resized = image.width !== originalSize.width || image.height !== originalSize.height;
    this.styleSize.textContent = `${originalSize.width}×${originalSize.height} px${resized ? ` (used at ${image.width}×${image.height})` : ''}`;
    drawThumbnail(this.thumb, image, 112);
  }

  showSelection(selection: SelectionSummary, busy: boolean, hasStyle: boolean): void {
    const { count, names } = selection;
    const more = count > names.length ? `, +${count - names.length}` : '';
    this.selectionLabel.textContent = count === 0 ? 'Selection: none' : `Selection: ${names.join(', ')}${more}`;
    this.stylize.textContent = count > 1 ? `Stylize ${count} layers` : 'Stylize';
    // Stylize stays enabled with nothing selected: pressing it explains what to do (a toast from Figma).
    this.stylize.disabled = busy || !hasStyle;
    this.stylize.title = hasStyle ? '' : 'Choose a style first';
  }

  setBusy(busy: boolean): void {
    this.cancel.disabled = !busy;
    this.useSelection.disabled = busy;
    this.chooseFile.disabled = busy;
    this.modelUrl.disabled = busy;
    if (busy) this.stylize.disabled = true;
  }

  showFrames(names: readonly string[]): void {
    this.frames.replaceChildren(
      ...names.map((name) => {
        const li = this.doc.createElement('li');
        const label = this.doc.createElement('span');
        label.className = 'name';
        label.textContent = name;
        label.title = name;
        const bar = this.doc.createElement('progress');
        bar.max = 1;
        bar.value = 0;
        const state = this.doc.createElement('span');
        state.className = 'state';
        li.append(label, bar, state);
        return li;
      }),
    );
  }

  frameState(index: number, state: FrameState, detail?: string): void {
    const li = this.frames.children[index] as HTMLLIElement | undefined;
    if (li === undefined) return;
    li.dataset['state'] = state;
    const label = li.querySelector('.state') as HTMLElement;
    label.textContent = STATE_LABEL[state];
    label.title = detail ?? '';
  }

  frameProgress(index: number, fraction: number): void {
    const li = this.frames.children[index] as HTMLLIElement | undefined;
    const bar = li?.querySelector('progress');
    if (bar) bar.value = fraction;
    if (li !== undefined && li.dataset['state'] === 'running')
      (li.querySelector('.state') as HTMLElement).textContent = `${Math.round(fraction * 100)}%`;
  }

  setStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  setEngineInfo(text: string): void {
    this.engineInfo.textContent = text;
  }
}
