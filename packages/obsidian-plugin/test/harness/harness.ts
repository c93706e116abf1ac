/**
 * Drives a plugin the way a user would, against the in-memory app: seed a vault, enable the plugin, open
 * a note, run a command, click through its modals, watch the notices. The same code runs under vitest
 * (happy-dom, plugin class imported from src) and in Chromium (plugin class from the built main.js).
 */
import type * as O from 'obsidian';
import { App, noticeLog } from '../fake-obsidian/index';
import type { FileSource } from '../fake-obsidian/vault';
import type { MarkdownView } from '../fake-obsidian/workspace';

export type PluginClass = new (app: O.App, manifest: O.PluginManifest) => O.Plugin;

export interface HarnessOptions {
  readonly files: Readonly<Record<string, FileSource>>;
  /** data.json before the plugin loads. */
  readonly data?: unknown;
}

export class Harness {
  readonly app = new App();
  plugin!: O.Plugin;

  constructor(private readonly options: HarnessOptions) {
    for (const [path, source] of Object.entries(options.files)) this.app.vault.seed(path, source);
  }

  async enable(PluginCtor: PluginClass, manifest: O.PluginManifest): Promise<this> {
    if (this.options.data !== undefined) this.app.pluginData.set(manifest.id, this.options.data);
    this.plugin = new PluginCtor(this.app as unknown as O.App, manifest);
    // Obsidian's Component.load() runs onload() without awaiting it; the fake awaits, so tests start after it.
    await (this.plugin.load() as unknown as Promise<void>);
    return this;
  }

  /**
   * Opens a note; `|` in its text marks the caret, two `|` a selection (both are removed from the note).
   */
  async openNote(path: string, markedText: string): Promise<MarkdownView> {
    const marks = [...markedText.matchAll(/\|/g)].map((m, i) => (m.index as number) - i);
    const text = markedText.replace(/\|/g, '');
    if (this.app.vault.getAbstractFileByPath(path) === null) this.app.vault.seed(path, text);
    const view = await this.app.openNote(path);
    view.editor.setValue(text);
    const [a = 0, b = a] = marks;
    view.editor.setSelection(view.editor.offsetToPos(a), view.editor.offsetToPos(b));
    return view;
  }

  command(id: string): boolean {
    return this.app.commands.executeCommandById(`${this.plugin.manifest.id}:${id}`);
  }

  isAvailable(id: string): boolean {
    return this.app.commands.isAvailable(`${this.plugin.manifest.id}:${id}`);
  }

  /** The topmost open modal's element. */
  modal(): HTMLElement | null {
    const all = document.querySelectorAll<HTMLElement>('.modal-container .modal');
    return all.length === 0 ? null : (all[all.length - 1] as HTMLElement);
  }

  async waitForModal(): Promise<HTMLElement> {
    return this.waitFor(() => this.modal(), 'a modal to open');
  }

  /** Clicks the button labelled `text` in the topmost modal. */
  async clickButton(text: string): Promise<void> {
    const modal = await this.waitForModal();
    const button = [...modal.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent === text);
    if (button === undefined)
      throw new Error(
        `no button "${text}" in the modal (buttons: ${[...modal.querySelectorAll('button')].map((b) => b.textContent).join(', ')})`,
      );
    if (button.disabled) throw new Error(`button "${text}" is disabled`);
    button.click();
  }

  /** Types `query` in the open suggest modal and picks the suggestion whose text is `text`. */
  async chooseSuggestion(text: string, query = text): Promise<void> {
    const modal = await this.waitFor(() => document.querySelector<HTMLElement>('.modal.prompt'), 'a suggest modal');
    const input = modal.querySelector('input') as HTMLInputElement;
    input.value = query;
    input.dispatchEvent(new Event('input'));
    const item = await this.waitFor(
      () => [...modal.querySelectorAll<HTMLElement>('.suggestion-item')].find((el) => el.textContent === text) ?? null,
      `suggestion "${text}"`,
    );
    item.click();
  }

  /** Texts of the notices on screen now. */
  visibleNotices(): string[] {
    return [...document.querySelectorAll('.notice')].map((n) => n.textContent ?? '');
  }

  /** Every notice text shown since the page loaded. */
  noticeHistory(): readonly string[] {
    return noticeLog;
  }

  async waitForNotice(pattern: RegExp, timeoutMs?: number): Promise<string> {
    return this.waitFor(() => noticeLog.find((t) => pattern.test(t)) ?? null, `a notice matching ${pattern}`, timeoutMs);
  }

  async waitFor<T>(probe: () => T | null | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== null && value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; notices: ${noticeLog.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Removes modals and notices between tests (the document outlives a harness). */
  static clearScreen(): void {
    document.querySelectorAll('.modal-container, .notice-container').forEach((el) => el.remove());
    noticeLog.length = 0;
  }
}
