/**
 * What the commands and the file-menu item do: find the image, ask for options, run the job, update the
 * note. main.ts only registers these.
 */
import {
  Notice,
  normalizePath,
  TFile,
  type App,
  type Editor,
  type MarkdownFileInfo,
  type MarkdownView,
  type Menu,
  type TAbstractFile,
} from 'obsidian';
import { applyEdit, embedEdit, embedFor } from './embed-edit';
import { isImagePath, pickEmbed, type Embed } from './embeds';
import type { StylizeEngine } from './engine';
import type { ImageCodec } from './image-codec';
import { pickImage } from './image-suggest';
import type { JobRunner } from './job-runner';
import { askOptions, type StylizeChoice } from './options-modal';
import type { AdaAttnSettings } from './settings';
import { stylizeToNewFile } from './stylize-job';

export interface CommandDeps {
  readonly app: App;
  readonly settings: () => AdaAttnSettings;
  readonly engine: StylizeEngine;
  readonly codec: ImageCodec;
  readonly runner: JobRunner;
}

/** The embed a command acts on, and the image file it points at. */
interface Target {
  readonly note: TFile;
  readonly embed: Embed;
  readonly image: TFile;
}

export class StylizeCommands {
  constructor(private readonly deps: CommandDeps) {}

  /** editorCheckCallback of "Stylize image under cursor": available only on an embed of a vault image. */
  underCursor(checking: boolean, editor: Editor, ctx: MarkdownView | MarkdownFileInfo): boolean {
    const target = this.targetAt(editor, ctx);
    if (checking || target === undefined) return target !== undefined;
    void this.stylizeEmbed(editor, ctx, target);
    return true;
  }

  /** "Stylize image…": pick the image, then the options (the style among them). */
  async pickAndStylize(): Promise<void> {
    const image = await pickImage(this.deps.app, 'Choose the image to stylize');
    if (image !== null) await this.stylizeFile(image);
  }

  /** The file menu's item, on image files only. */
  addFileMenuItem(menu: Menu, file: TAbstractFile): void {
    if (!(file instanceof TFile) || !isImagePath(file.path)) return;
    menu.addItem((item) =>
      item
        .setTitle('Stylize image…')
        .setIcon('palette')
        .onClick(() => void this.stylizeFile(file)),
    );
  }

  /** Runs on `image` and reports the new file; no note is touched. */
  async stylizeFile(image: TFile): Promise<TFile | undefined> {
    const choice = await this.ask(image);
    if (choice === null) return undefined;
    const output = await this.run(image, choice);
    if (output !== undefined) new Notice(`Saved ${output.path}`);
    return output;
  }

  private async stylizeEmbed(editor: Editor, ctx: MarkdownView | MarkdownFileInfo, target: Target): Promise<void> {
    const choice = await this.ask(target.image);
    if (choice === null) return;
    const output = await this.run(target.image, choice);
    if (output === undefined) return;
    const updated = await this.updateNote(editor, ctx, target, output);
    new Notice(
      updated
        ? `Saved ${output.path}`
        : `Saved ${output.path}; the embed is no longer in ${target.note.path}, so the note was left as it is.`,
    );
  }

  private targetAt(editor: Editor, ctx: MarkdownView | MarkdownFileInfo): Target | undefined {
    const note = ctx.file;
    if (note === null) return undefined;
    const from = editor.getCursor('from');
    const to = editor.getCursor('to');
    // Embeds never span lines, so only the lines the selection touches need searching.
    const start = { line: from.line, ch: 0 };
    const end = { line: to.line, ch: editor.getLine(to.line).length };
    const text = editor.getRange(start, end);
    const base = editor.posToOffset(start);
    const caretLineStart = editor.posToOffset({ line: to.line, ch: 0 }) - base;
    const caretLine = { start: caretLineStart, end: caretLineStart + end.ch };
    const found = pickEmbed(text, { from: editor.posToOffset(from) - base, to: editor.posToOffset(to) - base }, caretLine);
    if (found === undefined) return undefined;
    const image = resolveImage(this.deps.app, found.linkpath, note);
    if (image === null) return undefined;
    return { note, image, embed: { ...found, from: found.from + base, to: found.to + base } };
  }

  private ask(image: TFile): Promise<StylizeChoice | null> {
    const s = this.deps.settings();
    const style = s.defaultStyle === '' ? null : this.deps.app.vault.getAbstractFileByPath(s.defaultStyle);
    return askOptions(this.deps.app, image, {
      style: style instanceof TFile ? style : null,
      maxSide: s.maxSide,
      controls: { strength: s.strength, preserveColor: s.preserveColor },
    });
  }

  private run(image: TFile, choice: StylizeChoice): Promise<TFile | undefined> {
    const { app, codec, engine, runner } = this.deps;
    const request = { content: image, ...choice, outputTemplate: this.deps.settings().outputTemplate };
    return runner.run(`Stylizing ${image.name} with ${choice.style.basename}`, (run) =>
      stylizeToNewFile({ vault: app.vault, codec, engine }, request, run),
    );
  }

  /**
   * Puts the new embed in the note: through the editor when it still shows the note (keeps the cursor and
   * undo history), else through the vault (the user switched notes during the run). False when the embed
   * could not be found any more.
   */
  private async updateNote(editor: Editor, ctx: MarkdownView | MarkdownFileInfo, target: Target, output: TFile): Promise<boolean> {
    const { app } = this.deps;
    const replacement = embedFor(target.embed, output.name, app.metadataCache.fileToLinktext(output, target.note.path, true));
    const mode = this.deps.settings().embedMode;
    if (ctx.file?.path === target.note.path) {
      const edit = embedEdit(editor.getValue(), target.embed, replacement, mode);
      if (edit === undefined) return false;
      editor.replaceRange(edit.insert, editor.offsetToPos(edit.from), editor.offsetToPos(edit.to));
      return true;
    }
    let found = false;
    await app.vault.process(target.note, (text) => {
      const edit = embedEdit(text, target.embed, replacement, mode);
      found = edit !== undefined;
      return edit === undefined ? text : applyEdit(text, edit);
    });
    return found;
  }
}

/**
 * The vault image a link points at: Obsidian's own resolution first (shortest paths, absolute paths), then
 * a path relative to the note (`./img/a.png`, `../a.png`), which Markdown links often use.
 */
export function resolveImage(app: App, linkpath: string, note: TFile): TFile | null {
  const viaCache = app.metadataCache.getFirstLinkpathDest(linkpath, note.path);
  if (viaCache !== null) return isImagePath(viaCache.path) ? viaCache : null;
  const relative = joinRelative(note.parent?.path ?? '', linkpath);
  const file = relative === null ? null : app.vault.getAbstractFileByPath(relative);
  return file instanceof TFile && isImagePath(file.path) ? file : null;
}

function joinRelative(folder: string, link: string): string | null {
  const parts = folder === '' || folder === '/' ? [] : folder.split('/');
  for (const part of link.split('/')) {
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else if (part !== '.' && part !== '') parts.push(part);
  }
  return normalizePath(parts.join('/'));
}
