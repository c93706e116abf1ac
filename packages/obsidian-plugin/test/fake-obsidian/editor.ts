/**
 * A text editor over a string with one selection, implementing the Editor calls the plugin makes
 * (positions are {line, ch}, offsets index the whole text, as in Obsidian).
 */
import type * as O from 'obsidian';

type Used =
  | 'getValue'
  | 'setValue'
  | 'getLine'
  | 'lineCount'
  | 'lastLine'
  | 'getRange'
  | 'replaceRange'
  | 'getCursor'
  | 'setCursor'
  | 'setSelection'
  | 'getSelection'
  | 'somethingSelected'
  | 'listSelections'
  | 'posToOffset'
  | 'offsetToPos'
  | 'replaceSelection';

export class Editor implements Pick<O.Editor, Used> {
  private text: string;
  private anchor = 0;
  private head = 0;

  constructor(text = '') {
    this.text = text;
  }

  getValue(): string {
    return this.text;
  }

  setValue(content: string): void {
    this.text = content;
    this.anchor = this.head = Math.min(this.head, content.length);
  }

  getLine(line: number): string {
    return this.text.split('\n')[line] ?? '';
  }

  lineCount(): number {
    return this.text.split('\n').length;
  }

  lastLine(): number {
    return this.lineCount() - 1;
  }

  getRange(from: O.EditorPosition, to: O.EditorPosition): string {
    return this.text.slice(this.posToOffset(from), this.posToOffset(to));
  }

  replaceRange(replacement: string, from: O.EditorPosition, to: O.EditorPosition = from): void {
    const a = this.posToOffset(from);
    const b = this.posToOffset(to);
    this.text = this.text.slice(0, a) + replacement + this.text.slice(b);
    // Keep the selection on the same text, as CodeMirror maps it through a change.
    const map = (o: number) => (o <= a ? o : o >= b ? o + replacement.length - (b - a) : a + replacement.length);
    this.anchor = map(this.anchor);
    this.head = map(this.head);
  }

  replaceSelection(replacement: string): void {
    this.replaceRange(replacement, this.getCursor('from'), this.getCursor('to'));
  }

  getCursor(side: 'from' | 'to' | 'head' | 'anchor' = 'head'): O.EditorPosition {
    const offset = { from: Math.min(this.anchor, this.head), to: Math.max(this.anchor, this.head), head: this.head, anchor: this.anchor }[
      side
    ];
    return this.offsetToPos(offset);
  }

  setCursor(pos: O.EditorPosition | number, ch?: number): void {
    const p = typeof pos === 'number' ? { line: pos, ch: ch ?? 0 } : pos;
    this.anchor = this.head = this.posToOffset(p);
  }

  setSelection(anchor: O.EditorPosition, head: O.EditorPosition = anchor): void {
    this.anchor = this.posToOffset(anchor);
    this.head = this.posToOffset(head);
  }

  getSelection(): string {
    return this.getRange(this.getCursor('from'), this.getCursor('to'));
  }

  somethingSelected(): boolean {
    return this.anchor !== this.head;
  }

  listSelections(): O.EditorSelection[] {
    return [{ anchor: this.getCursor('anchor'), head: this.getCursor('head') }];
  }

  posToOffset(pos: O.EditorPosition): number {
    const lines = this.text.split('\n');
    let offset = 0;
    for (let i = 0; i < pos.line && i < lines.length; i++) offset += (lines[i] as string).length + 1;
    return Math.min(this.text.length, offset + Math.min(pos.ch, (lines[pos.line] ?? '').length));
  }

  offsetToPos(offset: number): O.EditorPosition {
    const before = this.text.slice(0, Math.max(0, Math.min(offset, this.text.length)));
    const line = before.split('\n').length - 1;
    return { line, ch: before.length - (before.lastIndexOf('\n') + 1) };
  }
}
