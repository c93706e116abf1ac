/**
 * The options modal shown before each run: style image, size, strength and colours, starting from the
 * settings' defaults.
 */
import { Modal, Setting, type App, type ButtonComponent, type TFile } from 'obsidian';
import type { ColorMode, Controls } from './controls';
import { pickImage } from './image-suggest';
import { addColorSetting, addSizeSetting, addStrengthSetting } from './setting-rows';

export interface StylizeChoice {
  readonly style: TFile;
  readonly maxSide: number;
  readonly controls: Controls;
}

export interface OptionsDefaults {
  readonly style: TFile | null;
  readonly maxSide: number;
  readonly controls: Controls;
}

class OptionsModal extends Modal {
  private style: TFile | null;
  private maxSide: number;
  private strength: number;
  private preserveColor: ColorMode;
  private submitted = false;

  constructor(
    app: App,
    private readonly content: TFile,
    defaults: OptionsDefaults,
    private readonly settle: (choice: StylizeChoice | null) => void,
  ) {
    super(app);
    this.style = defaults.style;
    this.maxSide = defaults.maxSide;
    this.strength = defaults.controls.strength;
    this.preserveColor = defaults.controls.preserveColor;
  }

  override onOpen(): void {
    const { contentEl } = this;
    contentEl.addClass('adaattn-options');
    this.titleEl.setText(`Stylize ${this.content.name}`);

    let submit: ButtonComponent | undefined;
    const styleSetting = new Setting(contentEl).setName('Style').addButton((b) =>
      b.setButtonText('Choose…').onClick(async () => {
        const picked = await pickImage(this.app, 'Choose a style image');
        if (picked === null) return;
        this.style = picked;
        styleSetting.setDesc(picked.path);
        submit?.setDisabled(false);
      }),
    );
    styleSetting.setDesc(this.style?.path ?? 'No style chosen yet.');

    addSizeSetting(contentEl, this.maxSide, (v) => (this.maxSide = v));
    addStrengthSetting(contentEl, this.strength, (v) => (this.strength = v));
    addColorSetting(contentEl, this.preserveColor, (v) => (this.preserveColor = v));

    new Setting(contentEl)
      .addButton((b) => b.setButtonText('Cancel').onClick(() => this.close()))
      .addButton((b) => {
        submit = b;
        b.setButtonText('Stylize')
          .setCta()
          .setDisabled(this.style === null)
          .onClick(() => this.submit());
      });
  }

  override onClose(): void {
    this.contentEl.empty();
    if (!this.submitted) this.settle(null);
  }

  private submit(): void {
    if (this.style === null) return;
    this.submitted = true;
    this.settle({ style: this.style, maxSide: this.maxSide, controls: { strength: this.strength, preserveColor: this.preserveColor } });
    this.close();
  }
}

/** The user's choices, or null when the modal is dismissed. */
export function askOptions(app: App, content: TFile, defaults: OptionsDefaults): Promise<StylizeChoice | null> {
  return new Promise((resolve) => new OptionsModal(app, content, defaults, resolve).open());
}
