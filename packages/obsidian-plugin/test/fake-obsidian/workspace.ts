/**
 * A workspace with one active view at a time: a MarkdownView (note + editor) opened by the test, and
 * the file-menu event the plugin listens to.
 */
import type * as O from 'obsidian';
import { Editor } from './editor';
import { Events } from './events';
import type { TFile, Vault } from './vault';

export class MarkdownView {
  readonly editor: Editor;
  constructor(
    readonly app: O.App,
    public file: TFile | null,
    text: string,
  ) {
    this.editor = new Editor(text);
  }
}

type ViewCtor<T> = abstract new (...args: never[]) => T;

export class Workspace extends Events implements Pick<O.Workspace, 'getActiveViewOfType'> {
  activeView: MarkdownView | null = null;

  constructor(private readonly vault: Vault) {
    super();
  }

  getActiveViewOfType<T extends O.View>(type: ViewCtor<T>): T | null {
    return this.activeView instanceof (type as unknown as ViewCtor<MarkdownView>) ? (this.activeView as unknown as T) : null;
  }

  /**
   * Opens `path` in the single editor pane. As in Obsidian, the pane's view stays the same object and
   * changes its file (the previous note's text is saved to the vault first).
   */
  async openNote(app: O.App, path: string): Promise<MarkdownView> {
    const file = this.vault.getAbstractFileByPath(path) as TFile | null;
    if (file === null) throw new Error(`no note ${path}`);
    const text = await this.vault.read(file as unknown as O.TFile);
    const view = this.activeView;
    if (view === null) {
      this.activeView = new MarkdownView(app, file, text);
      return this.activeView;
    }
    if (view.file !== null && view.file !== file) await this.vault.modify(view.file as unknown as O.TFile, view.editor.getValue());
    view.file = file;
    view.editor.setValue(text);
    return view;
  }
}
