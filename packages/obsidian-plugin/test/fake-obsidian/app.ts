/**
 * App and Plugin: the command registry (with editor-check callbacks run against the active MarkdownView),
 * plugin data, setting tabs, and the register* cleanups that unload runs.
 */
import type * as O from 'obsidian';
import type { PluginSettingTab } from './ui';
import { MetadataCache, Vault } from './vault';
import { MarkdownView, Workspace } from './workspace';

export class Commands {
  readonly commands = new Map<string, O.Command>();
  constructor(private readonly workspace: Workspace) {}

  /** As the command palette: true when the command ran (a check callback said it applies). */
  executeCommandById(id: string): boolean {
    const c = this.commands.get(id);
    if (c === undefined) return false;
    const view = this.workspace.activeView;
    if (c.editorCheckCallback || c.editorCallback) {
      if (view === null) return false;
      const editor = view.editor as unknown as O.Editor;
      const ctx = view as unknown as O.MarkdownView;
      if (c.editorCheckCallback) {
        if (c.editorCheckCallback(true, editor, ctx) !== true) return false;
        c.editorCheckCallback(false, editor, ctx);
        return true;
      }
      void c.editorCallback?.(editor, ctx);
      return true;
    }
    if (c.checkCallback) {
      if (c.checkCallback(true) !== true) return false;
      c.checkCallback(false);
      return true;
    }
    void c.callback?.();
    return true;
  }

  /** Whether the palette would list the command now. */
  isAvailable(id: string): boolean {
    const c = this.commands.get(id);
    const view = this.workspace.activeView;
    if (c?.editorCheckCallback)
      return view !== null && c.editorCheckCallback(true, view.editor as unknown as O.Editor, view as unknown as O.MarkdownView) === true;
    return c !== undefined;
  }
}

export class App {
  readonly vault = new Vault();
  readonly workspace = new Workspace(this.vault);
  readonly metadataCache = new MetadataCache(this.vault);
  readonly commands = new Commands(this.workspace);
  readonly settingTabs: PluginSettingTab[] = [];
  /** data.json per plugin id. */
  readonly pluginData = new Map<string, unknown>();

  openNote(path: string): Promise<MarkdownView> {
    return this.workspace.openNote(this as unknown as O.App, path);
  }
}

export class Plugin implements Pick<
  O.Plugin,
  'addCommand' | 'registerEvent' | 'register' | 'addSettingTab' | 'loadData' | 'saveData' | 'onload' | 'onunload'
> {
  private readonly cleanups: (() => unknown)[] = [];

  constructor(
    readonly app: O.App,
    readonly manifest: O.PluginManifest,
  ) {}

  private get fake(): App {
    return this.app as unknown as App;
  }

  /** What Obsidian does when the plugin is enabled / disabled. */
  async load(): Promise<void> {
    await this.onload();
  }

  unload(): void {
    for (const cleanup of this.cleanups.splice(0).reverse()) cleanup();
    this.onunload();
  }

  onload(): void | Promise<void> {}
  onunload(): void {}

  addCommand(command: O.Command): O.Command {
    const full = { ...command, id: `${this.manifest.id}:${command.id}` };
    this.fake.commands.commands.set(full.id, full);
    this.register(() => this.fake.commands.commands.delete(full.id));
    return full;
  }

  registerEvent(ref: O.EventRef): void {
    this.register(() => (ref as unknown as { events: { offref(r: O.EventRef): void } }).events.offref(ref));
  }

  register(cb: () => unknown): void {
    this.cleanups.push(cb);
  }

  addSettingTab(tab: O.PluginSettingTab): void {
    const fakeTab = tab as unknown as PluginSettingTab;
    this.fake.settingTabs.push(fakeTab);
    this.register(() => this.fake.settingTabs.splice(this.fake.settingTabs.indexOf(fakeTab), 1));
  }

  async loadData(): Promise<unknown> {
    const data = this.fake.pluginData.get(this.manifest.id);
    return data === undefined ? null : structuredClone(data);
  }

  async saveData(data: unknown): Promise<void> {
    this.fake.pluginData.set(this.manifest.id, structuredClone(data));
  }
}
