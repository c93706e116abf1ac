/**
 * A notice that stays up while a run lasts: what is happening, a progress bar, and a Cancel button.
 */
import { Notice } from 'obsidian';

export class ProgressNotice {
  private readonly notice: Notice;
  private readonly label: HTMLElement;
  private readonly bar: HTMLProgressElement;
  private readonly cancelButton: HTMLButtonElement;

  constructor(title: string, onCancel: () => void) {
    // Built as a DocumentFragment with plain DOM calls: Notice takes the fragment as its message.
    const fragment = document.createDocumentFragment();
    const root = fragment.appendChild(document.createElement('div'));
    root.className = 'adaattn-progress';
    const heading = root.appendChild(document.createElement('div'));
    heading.className = 'adaattn-progress-title';
    heading.textContent = title;
    this.label = root.appendChild(document.createElement('div'));
    this.label.className = 'adaattn-progress-label';
    this.bar = root.appendChild(document.createElement('progress'));
    this.bar.className = 'adaattn-progress-bar';
    this.bar.max = 1;
    this.cancelButton = root.appendChild(document.createElement('button'));
    this.cancelButton.className = 'adaattn-progress-cancel';
    this.cancelButton.textContent = 'Cancel';
    // A click on a notice normally dismisses it, which would hide the only Cancel button while the run goes
    // on: the run's end closes this one instead.
    root.addEventListener('click', (evt) => evt.stopPropagation());
    this.cancelButton.addEventListener('click', () => {
      this.cancelButton.disabled = true;
      this.label.textContent = 'Cancelling…';
      onCancel();
    });
    this.notice = new Notice(fragment, 0);
  }

  /** `fraction` undefined shows an indeterminate bar. */
  update(text: string, fraction?: number): void {
    if (this.cancelButton.disabled) return; // keep saying "Cancelling…"
    this.label.textContent = text;
    if (fraction === undefined) this.bar.removeAttribute('value');
    else this.bar.value = Math.min(1, Math.max(0, fraction));
  }

  close(): void {
    this.notice.hide();
  }
}
