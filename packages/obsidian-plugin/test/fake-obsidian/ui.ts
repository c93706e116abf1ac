/**
 * Obsidian's UI classes the plugin uses, rendered as plain DOM so tests (and Playwright) can read and click
 * them: notices, modals, fuzzy suggest, settings rows and their components, the file menu.
 */
import type * as O from 'obsidian';
import { installDomHelpers } from './dom';

// Tests of non-UI code run in plain Node (no DOM): they import the module but never build UI.
if (typeof HTMLElement !== 'undefined') installDomHelpers();

// --- Notices ----------------------------------------------------------------------------------------

/** Every notice's text when shown and on each setMessage: what tests assert on. */
export const noticeLog: string[] = [];

function noticeContainer(): HTMLElement {
  return document.body.querySelector<HTMLElement>('.notice-container') ?? document.body.createDiv({ cls: 'notice-container' });
}

export class Notice implements Pick<O.Notice, 'noticeEl' | 'containerEl' | 'messageEl' | 'setMessage' | 'hide'> {
  noticeEl: HTMLElement;
  containerEl: HTMLElement;
  messageEl: HTMLElement;

  constructor(message: string | DocumentFragment, duration = 4500) {
    this.containerEl = noticeContainer();
    this.noticeEl = this.containerEl.createDiv({ cls: 'notice' });
    this.messageEl = this.noticeEl.createDiv({ cls: 'notice-message' });
    // Clicking a notice dismisses it, as in Obsidian.
    this.noticeEl.addEventListener('click', () => this.hide());
    this.setMessage(message);
    if (duration > 0) setTimeout(() => this.hide(), duration);
  }

  setMessage(message: string | DocumentFragment): this {
    this.messageEl.setText(message);
    noticeLog.push(this.messageEl.textContent ?? '');
    return this;
  }

  hide(): void {
    this.noticeEl.remove();
  }
}

// --- Modals -----------------------------------------------------------------------------------------

export class Modal implements Pick<O.Modal, 'containerEl' | 'modalEl' | 'titleEl' | 'contentEl' | 'open' | 'close' | 'onOpen' | 'onClose'> {
  containerEl: HTMLElement;
  modalEl: HTMLElement;
  titleEl: HTMLElement;
  contentEl: HTMLElement;
  private isOpen = false;

  constructor(readonly app: O.App) {
    this.containerEl = document.createElement('div');
    this.containerEl.className = 'modal-container';
    this.modalEl = this.containerEl.createDiv({ cls: 'modal' });
    const close = this.modalEl.createDiv({ cls: 'modal-close-button', attr: { 'aria-label': 'Close' } });
    close.addEventListener('click', () => this.close());
    this.titleEl = this.modalEl.createDiv({ cls: 'modal-title' });
    this.contentEl = this.modalEl.createDiv({ cls: 'modal-content' });
  }

  setTitle(title: string): this {
    this.titleEl.setText(title);
    return this;
  }

  open(): void {
    document.body.appendChild(this.containerEl);
    this.isOpen = true;
    this.onOpen();
  }

  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.containerEl.remove();
    this.onClose();
  }

  onOpen(): void {}
  onClose(): void {}
}

export interface FuzzyMatch<T> {
  item: T;
  match: { score: number; matches: [number, number][] };
}

export abstract class SuggestModal<T> extends Modal {
  inputEl: HTMLInputElement;
  resultContainerEl: HTMLElement;
  emptyStateText = 'No results found.';
  limit = 100;

  constructor(app: O.App) {
    super(app);
    this.modalEl.addClass('prompt');
    this.inputEl = this.modalEl.createEl('input', { cls: 'prompt-input', type: 'text' });
    this.resultContainerEl = this.modalEl.createDiv({ cls: 'prompt-results' });
    this.inputEl.addEventListener('input', () => void this.render());
    this.inputEl.addEventListener('keydown', (evt) => {
      if (evt.key === 'Enter') this.resultContainerEl.querySelector<HTMLElement>('.suggestion-item')?.click();
    });
  }

  setPlaceholder(placeholder: string): void {
    this.inputEl.placeholder = placeholder;
  }

  override open(): void {
    super.open();
    void this.render();
  }

  /** As Obsidian: the modal closes first, then the choice is reported. */
  selectSuggestion(value: T, evt: MouseEvent | KeyboardEvent): void {
    this.close();
    this.onChooseSuggestion(value, evt);
  }

  abstract getSuggestions(query: string): T[] | Promise<T[]>;
  abstract renderSuggestion(value: T, el: HTMLElement): void;
  abstract onChooseSuggestion(item: T, evt: MouseEvent | KeyboardEvent): void;

  private async render(): Promise<void> {
    const items = (await this.getSuggestions(this.inputEl.value)).slice(0, this.limit);
    this.resultContainerEl.empty();
    if (items.length === 0) this.resultContainerEl.createDiv({ cls: 'suggestion-empty', text: this.emptyStateText });
    for (const item of items) {
      const el = this.resultContainerEl.createDiv({ cls: 'suggestion-item' });
      this.renderSuggestion(item, el);
      el.addEventListener('click', (evt) => this.selectSuggestion(item, evt));
    }
  }
}

/** Fuzzy in the sense tests need: every query character appears in order (case-insensitive). */
export abstract class FuzzySuggestModal<T> extends SuggestModal<FuzzyMatch<T>> {
  abstract getItems(): T[];
  abstract getItemText(item: T): string;
  abstract onChooseItem(item: T, evt: MouseEvent | KeyboardEvent): void;

  getSuggestions(query: string): FuzzyMatch<T>[] {
    const q = query.toLowerCase();
    return this.getItems()
      .filter((item) => {
        let i = 0;
        for (const c of this.getItemText(item).toLowerCase()) if (c === q[i]) i++;
        return i === q.length;
      })
      .map((item) => ({ item, match: { score: 0, matches: [] } }));
  }

  renderSuggestion(value: FuzzyMatch<T>, el: HTMLElement): void {
    el.setText(this.getItemText(value.item));
  }

  onChooseSuggestion(value: FuzzyMatch<T>, evt: MouseEvent | KeyboardEvent): void {
    this.onChooseItem(value.item, evt);
  }
}

// --- Settings rows ----------------------------------------------------------------------------------

class BaseComponent {
  disabled = false;
  constructor(protected readonly el: HTMLElement) {}
  setDisabled(disabled: boolean): this {
    this.disabled = disabled;
    (this.el as HTMLInputElement).disabled = disabled;
    return this;
  }
}

export class ButtonComponent extends BaseComponent {
  constructor(readonly buttonEl: HTMLButtonElement) {
    super(buttonEl);
  }
  setButtonText(text: string): this {
    this.buttonEl.setText(text);
    return this;
  }
  setCta(): this {
    this.buttonEl.addClass('mod-cta');
    return this;
  }
  setIcon(icon: string): this {
    this.buttonEl.dataset.icon = icon;
    return this;
  }
  setTooltip(tooltip: string): this {
    this.buttonEl.setAttribute('aria-label', tooltip);
    return this;
  }
  onClick(cb: (evt: MouseEvent) => unknown): this {
    this.buttonEl.addEventListener('click', (evt) => void cb(evt));
    return this;
  }
}

export class ExtraButtonComponent extends ButtonComponent {
  get extraSettingsEl(): HTMLElement {
    return this.buttonEl;
  }
}

abstract class ValueComponent<V, E extends HTMLInputElement | HTMLSelectElement> extends BaseComponent {
  constructor(protected readonly input: E) {
    super(input);
  }
  protected abstract read(): V;
  protected abstract write(value: V): void;
  protected readonly changeEvent: string = 'change';
  getValue(): V {
    return this.read();
  }
  setValue(value: V): this {
    this.write(value);
    return this;
  }
  onChange(cb: (value: V) => unknown): this {
    this.input.addEventListener(this.changeEvent, () => void cb(this.read()));
    return this;
  }
}

export class TextComponent extends ValueComponent<string, HTMLInputElement> {
  protected override readonly changeEvent = 'input';
  get inputEl(): HTMLInputElement {
    return this.input;
  }
  setPlaceholder(placeholder: string): this {
    this.input.placeholder = placeholder;
    return this;
  }
  protected read(): string {
    return this.input.value;
  }
  protected write(value: string): void {
    this.input.value = value;
  }
}

export class DropdownComponent extends ValueComponent<string, HTMLSelectElement> {
  get selectEl(): HTMLSelectElement {
    return this.input;
  }
  addOption(value: string, display: string): this {
    this.input.createEl('option', { value, text: display });
    return this;
  }
  addOptions(options: Record<string, string>): this {
    for (const [v, d] of Object.entries(options)) this.addOption(v, d);
    return this;
  }
  protected read(): string {
    return this.input.value;
  }
  protected write(value: string): void {
    this.input.value = value;
  }
}

export class ToggleComponent extends ValueComponent<boolean, HTMLInputElement> {
  get toggleEl(): HTMLInputElement {
    return this.input;
  }
  protected read(): boolean {
    return this.input.checked;
  }
  protected write(value: boolean): void {
    this.input.checked = value;
  }
}

export class SliderComponent extends ValueComponent<number, HTMLInputElement> {
  get sliderEl(): HTMLInputElement {
    return this.input;
  }
  setLimits(min: number, max: number, step: number | 'any'): this {
    Object.assign(this.input, { min: String(min), max: String(max), step: String(step) });
    return this;
  }
  setDynamicTooltip(): this {
    return this;
  }
  protected read(): number {
    return Number(this.input.value);
  }
  protected write(value: number): void {
    this.input.value = String(value);
  }
}

export class Setting {
  settingEl: HTMLElement;
  infoEl: HTMLElement;
  nameEl: HTMLElement;
  descEl: HTMLElement;
  controlEl: HTMLElement;
  private readonly components: BaseComponent[] = [];

  constructor(containerEl: HTMLElement) {
    this.settingEl = containerEl.createDiv({ cls: 'setting-item' });
    this.infoEl = this.settingEl.createDiv({ cls: 'setting-item-info' });
    this.nameEl = this.infoEl.createDiv({ cls: 'setting-item-name' });
    this.descEl = this.infoEl.createDiv({ cls: 'setting-item-description' });
    this.controlEl = this.settingEl.createDiv({ cls: 'setting-item-control' });
  }
  setName(name: string | DocumentFragment): this {
    this.nameEl.setText(name);
    return this;
  }
  setDesc(desc: string | DocumentFragment): this {
    this.descEl.setText(desc);
    return this;
  }
  setHeading(): this {
    this.settingEl.addClass('setting-item-heading');
    return this;
  }
  setDisabled(disabled: boolean): this {
    this.components.forEach((c) => c.setDisabled(disabled));
    return this;
  }
  addButton(cb: (c: ButtonComponent) => unknown): this {
    return this.add(new ButtonComponent(this.controlEl.createEl('button')), cb);
  }
  addExtraButton(cb: (c: ExtraButtonComponent) => unknown): this {
    return this.add(new ExtraButtonComponent(this.controlEl.createEl('button', { cls: 'clickable-icon extra-setting-button' })), cb);
  }
  addText(cb: (c: TextComponent) => unknown): this {
    return this.add(new TextComponent(this.controlEl.createEl('input', { type: 'text' })), cb);
  }
  addDropdown(cb: (c: DropdownComponent) => unknown): this {
    return this.add(new DropdownComponent(this.controlEl.createEl('select', { cls: 'dropdown' })), cb);
  }
  addToggle(cb: (c: ToggleComponent) => unknown): this {
    return this.add(new ToggleComponent(this.controlEl.createEl('input', { type: 'checkbox', cls: 'checkbox-container' })), cb);
  }
  addSlider(cb: (c: SliderComponent) => unknown): this {
    return this.add(new SliderComponent(this.controlEl.createEl('input', { type: 'range', cls: 'slider' })), cb);
  }
  private add<C extends BaseComponent>(component: C, cb: (c: C) => unknown): this {
    this.components.push(component);
    cb(component);
    return this;
  }
}

export abstract class PluginSettingTab {
  containerEl: HTMLElement;
  constructor(
    readonly app: O.App,
    readonly plugin: O.Plugin,
  ) {
    this.containerEl = document.createElement('div');
    this.containerEl.className = 'vertical-tab-content';
  }
  abstract display(): void;
  hide(): void {
    this.containerEl.empty();
  }
}

// --- Menus ------------------------------------------------------------------------------------------

export class MenuItem {
  title = '';
  icon: string | null = null;
  private click: ((evt: MouseEvent | KeyboardEvent) => unknown) | undefined;
  setTitle(title: string | DocumentFragment): this {
    this.title = typeof title === 'string' ? title : (title.textContent ?? '');
    return this;
  }
  setIcon(icon: string | null): this {
    this.icon = icon;
    return this;
  }
  setSection(): this {
    return this;
  }
  onClick(cb: (evt: MouseEvent | KeyboardEvent) => unknown): this {
    this.click = cb;
    return this;
  }
  /** Test helper: what a click on the item does. */
  trigger(): void {
    this.click?.(new MouseEvent('click'));
  }
}

export class Menu {
  readonly items: MenuItem[] = [];
  addItem(cb: (item: MenuItem) => unknown): this {
    const item = new MenuItem();
    this.items.push(item);
    cb(item);
    return this;
  }
  addSeparator(): this {
    return this;
  }
}
