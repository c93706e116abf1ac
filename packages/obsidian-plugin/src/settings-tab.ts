/**
 * Settings → AdaAttN Style Transfer: model location, runtime, defaults for the options modal, output naming
 * and what happens to the embed.
 */
import { PluginSettingTab, Setting, type App, type Plugin } from 'obsidian';
import { BACKEND_CHOICES, type BackendChoice } from './backends';
import { pickImage } from './image-suggest';
import { outputStem } from './naming';
import { addColorSetting, addSizeSetting, addStrengthSetting } from './setting-rows';
import { DEFAULT_MODEL_URL, DEFAULT_OUTPUT_TEMPLATE, type AdaAttnSettings, type EmbedMode, type ModelLocation } from './settings';

const NO_DEFAULT_STYLE = 'None: the options modal asks for one.';

const MODEL_LOCATIONS: Record<ModelLocation, string> = {
  download: 'Download it (once, about 66 MB)',
  vault: 'A folder in this vault',
  absolute: 'A folder elsewhere on this computer',
};

const EMBED_MODES: Record<EmbedMode, string> = {
  replace: 'Replace the embed with the stylized image',
  insert: 'Keep the embed and insert the stylized image after it',
};

export interface SettingsHost extends Plugin {
  settings: AdaAttnSettings;
  saveSettings(): Promise<void>;
  /** Downloads the model now (behind a progress notice with Cancel); resolves to what to show. */
  downloadModel(): Promise<string>;
}

export class AdaAttnSettingTab extends PluginSettingTab {
  constructor(
    app: App,
    private readonly host: SettingsHost,
  ) {
    super(app, host);
  }

  override display(): void {
    const { containerEl } = this;
    const s = this.host.settings;
    const save = () => this.host.saveSettings();
    containerEl.empty();

    new Setting(containerEl).setName('Model').setHeading();
    addChoiceSetting(
      containerEl,
      'Model location',
      "Where the model comes from. Downloaded: the first stylize (or the button below) fetches the adaattn-image model once into this plugin's folder (.obsidian/plugins/…), not among your notes. A folder: model.json and the files it lists.",
      MODEL_LOCATIONS,
      s.modelLocation,
      async (v) => {
        s.modelLocation = v;
        await save();
        this.display(); // show the matching folder field
      },
    );
    if (s.modelLocation === 'download') {
      new Setting(containerEl)
        .setName('Model URL')
        .setDesc(`A folder on the web holding model.json and its files. Empty: ${DEFAULT_MODEL_URL}`)
        .addText((t) =>
          t
            .setPlaceholder(DEFAULT_MODEL_URL)
            .setValue(s.modelUrl)
            .onChange(async (v) => {
              s.modelUrl = v.trim();
              await save();
            }),
        );
      const download = new Setting(containerEl)
        .setName('Download now')
        .setDesc('Fetches the model now instead of on first use. An interrupted download resumes; files already here are checked and kept.')
        .addButton((b) =>
          b.setButtonText('Download').onClick(async () => {
            b.setDisabled(true);
            download.setDesc(await this.host.downloadModel());
            b.setDisabled(false);
          }),
        );
    } else if (s.modelLocation === 'vault') {
      new Setting(containerEl)
        .setName('Model folder')
        .setDesc('Path inside the vault, e.g. AdaAttN/adaattn-image.')
        .addText((t) =>
          t
            .setPlaceholder('AdaAttN/adaattn-image')
            .setValue(s.modelVaultFolder)
            .onChange(async (v) => {
              s.modelVaultFolder = v.trim();
              await save();
            }),
        );
    } else {
      new Setting(containerEl)
        .setName('Model folder')
        .setDesc('Absolute path, e.g. /home/me/models/adaattn-image or C:\\models\\adaattn-image.')
        .addText((t) =>
          t
            .setPlaceholder('/path/to/adaattn-image')
            .setValue(s.modelAbsolutePath)
            .onChange(async (v) => {
              s.modelAbsolutePath = v.trim();
              await save();
            }),
        );
    }
    new Setting(containerEl)
      .setName('Runtime')
      .setDesc('Where the model runs. Automatic uses the GPU through WebGL when it can.')
      .addDropdown((d) => {
        for (const [value, row] of Object.entries(BACKEND_CHOICES)) d.addOption(value, row.label);
        d.setValue(s.backend).onChange(async (v) => {
          s.backend = v as BackendChoice;
          await save();
        });
      });

    new Setting(containerEl).setName('Defaults').setHeading();
    const style = new Setting(containerEl)
      .setName('Default style')
      .setDesc(s.defaultStyle || NO_DEFAULT_STYLE)
      .addButton((b) =>
        b.setButtonText('Choose…').onClick(async () => {
          const file = await pickImage(this.app, 'Choose the default style image');
          if (file === null) return;
          s.defaultStyle = file.path;
          style.setDesc(file.path);
          await save();
        }),
      )
      .addExtraButton((b) =>
        b
          .setIcon('x')
          .setTooltip('Clear')
          .onClick(async () => {
            s.defaultStyle = '';
            style.setDesc(NO_DEFAULT_STYLE);
            await save();
          }),
      );
    addSizeSetting(containerEl, s.maxSide, (v) => {
      s.maxSide = v;
      return save();
    });
    addStrengthSetting(containerEl, s.strength, (v) => {
      s.strength = v;
      return save();
    });
    addColorSetting(containerEl, s.preserveColor, (v) => {
      s.preserveColor = v;
      return save();
    });

    new Setting(containerEl).setName('Output').setHeading();
    const naming = new Setting(containerEl)
      .setName('File name')
      .setDesc(namingExample(s.outputTemplate))
      .addText((t) =>
        t
          .setPlaceholder(DEFAULT_OUTPUT_TEMPLATE)
          .setValue(s.outputTemplate)
          .onChange(async (v) => {
            s.outputTemplate = v.trim() === '' ? DEFAULT_OUTPUT_TEMPLATE : v;
            naming.setDesc(namingExample(s.outputTemplate));
            await save();
          }),
      );
    addChoiceSetting(
      containerEl,
      'In the note',
      'What "Stylize image under cursor" does with the embed once the new image is saved.',
      EMBED_MODES,
      s.embedMode,
      async (v) => {
        s.embedMode = v;
        await save();
      },
    );
  }
}

/** A dropdown row offering `choices` (value → label, in order). */
function addChoiceSetting<T extends string>(
  container: HTMLElement,
  name: string,
  desc: string,
  choices: Record<T, string>,
  value: T,
  onChange: (value: T) => Promise<void>,
): Setting {
  return new Setting(container)
    .setName(name)
    .setDesc(desc)
    .addDropdown((d) =>
      d
        .addOptions(choices)
        .setValue(value)
        .onChange((v) => onChange(v as T)),
    );
}

function namingExample(template: string): string {
  return `{name} is the image's name, {style} the style's. The file is saved beside the image, never over an existing file (-1, -2… are added). Example: ${outputStem(template, 'photo', 'wave')}.png`;
}
