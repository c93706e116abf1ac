/**
 * The rows the options modal and the settings tab share (size, strength, colours), so both offer the same
 * choices with the same words.
 */
import { Setting } from 'obsidian';
import { COLOR_MODES, type ColorMode } from './controls';
import { sizeOptions } from './settings';

export function addSizeSetting(container: HTMLElement, value: number, onChange: (side: number) => unknown): Setting {
  return new Setting(container)
    .setName('Size')
    .setDesc('Longest side of the result, in pixels. Larger takes longer.')
    .addDropdown((d) => {
      for (const side of sizeOptions(value)) d.addOption(String(side), `${side} px`);
      d.setValue(String(value)).onChange((v) => onChange(Number(v)));
    });
}

export function addStrengthSetting(container: HTMLElement, value: number, onChange: (strength: number) => unknown): Setting {
  return new Setting(container)
    .setName('Strength')
    .setDesc('How much of the style to apply: 1 is the full effect, lower keeps more of the image.')
    .addSlider((s) => s.setLimits(0, 1, 0.05).setValue(value).setDynamicTooltip().onChange(onChange));
}

export function addColorSetting(container: HTMLElement, value: ColorMode, onChange: (mode: ColorMode) => unknown): Setting {
  return new Setting(container)
    .setName('Colours')
    .setDesc("Keep the image's colours to take only texture and brushwork from the style, or recolour the style to the image first.")
    .addDropdown((d) =>
      d
        .addOptions(COLOR_MODES)
        .setValue(value)
        .onChange((v) => onChange(v as ColorMode)),
    );
}
