/**
 * Picking an image file of the vault by fuzzy search.
 */
import { FuzzySuggestModal, type App, type TFile } from 'obsidian';
import { isImagePath } from './embeds';

class ImageSuggestModal extends FuzzySuggestModal<TFile> {
  constructor(
    app: App,
    placeholder: string,
    private readonly settle: (file: TFile | null) => void,
  ) {
    super(app);
    this.setPlaceholder(placeholder);
    this.emptyStateText = 'No image files in this vault.';
  }

  getItems(): TFile[] {
    return this.app.vault.getFiles().filter((f) => isImagePath(f.path));
  }

  getItemText(file: TFile): string {
    return file.path;
  }

  onChooseItem(file: TFile): void {
    this.settle(file);
  }

  override onClose(): void {
    // Obsidian closes a suggest modal before it calls onChooseItem: settle "nothing chosen" a tick later,
    // by which time a choice has already settled the promise.
    void Promise.resolve().then(() => this.settle(null));
  }
}

/** The image the user picks, or null when the modal is dismissed. */
export function pickImage(app: App, placeholder: string): Promise<TFile | null> {
  return new Promise((resolve) => new ImageSuggestModal(app, placeholder, resolve).open());
}
