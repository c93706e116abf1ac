/**
 * The element helpers Obsidian adds to the DOM (createEl, createDiv, empty, setText, addClass …), for the
 * subset the plugin and this fake use. Installed once, on whichever DOM runs the tests (happy-dom or Chromium).
 */
interface ElInfo {
  cls?: string | string[];
  text?: string | DocumentFragment;
  attr?: Record<string, string | number | boolean | null>;
  type?: string;
  value?: string;
  placeholder?: string;
}

function createEl<K extends keyof HTMLElementTagNameMap>(
  this: Node,
  tag: K,
  info?: ElInfo | string,
  callback?: (el: HTMLElementTagNameMap[K]) => void,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  const o: ElInfo = typeof info === 'string' ? { cls: info } : (info ?? {});
  if (o.cls !== undefined) el.className = Array.isArray(o.cls) ? o.cls.join(' ') : o.cls;
  if (o.text !== undefined) setText.call(el, o.text);
  for (const [k, v] of Object.entries(o.attr ?? {})) if (v !== null && v !== false) el.setAttribute(k, String(v));
  if (o.type !== undefined) el.setAttribute('type', o.type);
  if (o.value !== undefined) (el as unknown as HTMLInputElement).value = o.value;
  if (o.placeholder !== undefined) el.setAttribute('placeholder', o.placeholder);
  this.appendChild(el);
  callback?.(el);
  return el;
}

function setText(this: HTMLElement, text: string | DocumentFragment): void {
  if (typeof text === 'string') this.textContent = text;
  else {
    this.textContent = '';
    this.appendChild(text);
  }
}

export function installDomHelpers(): void {
  const proto = HTMLElement.prototype as unknown as Record<string, unknown>;
  if (typeof proto.createEl === 'function') return;
  const helpers: Record<string, unknown> = {
    createEl,
    createDiv(this: Node, info?: ElInfo | string, cb?: (el: HTMLDivElement) => void) {
      return createEl.call(this, 'div', info, cb as ((el: HTMLElement) => void) | undefined);
    },
    createSpan(this: Node, info?: ElInfo | string, cb?: (el: HTMLSpanElement) => void) {
      return createEl.call(this, 'span', info, cb as ((el: HTMLElement) => void) | undefined);
    },
    empty(this: Node) {
      while (this.firstChild) this.removeChild(this.firstChild);
    },
  };
  for (const target of [HTMLElement.prototype, DocumentFragment.prototype]) Object.assign(target, helpers);
  Object.assign(HTMLElement.prototype, {
    setText,
    addClass(this: HTMLElement, ...cls: string[]) {
      this.classList.add(...cls);
    },
    removeClass(this: HTMLElement, ...cls: string[]) {
      this.classList.remove(...cls);
    },
    toggleClass(this: HTMLElement, cls: string, on: boolean) {
      this.classList.toggle(cls, on);
    },
  });
}
