"""Sample grid for a checkpoint: the first photos down the side, the first paintings along the top."""
import numpy as np
import torch.nn.functional as F
from PIL import Image


def _cell(x, size):
    x = F.interpolate(x.float().clamp(0, 1), size=(size, size), mode="bilinear", align_corners=False,
                      antialias=True)
    return (x[0].permute(1, 2, 0).cpu().numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)


def sample_grid(stylize, val, device, path, cell=160, rows=4, cols=4):
    contents, styles = val["content"][:rows], val["style"][:cols]
    grid = np.full(((rows + 1) * cell, (cols + 1) * cell, 3), 255, np.uint8)
    for j in range(len(styles)):
        grid[:cell, (j + 1) * cell:(j + 2) * cell] = _cell(styles[j:j + 1], cell)
    for i in range(len(contents)):
        c = contents[i:i + 1].to(device)
        grid[(i + 1) * cell:(i + 2) * cell, :cell] = _cell(contents[i:i + 1], cell)
        for j in range(len(styles)):
            out = stylize(c, styles[j:j + 1].to(device))
            grid[(i + 1) * cell:(i + 2) * cell, (j + 1) * cell:(j + 2) * cell] = _cell(out, cell)
    Image.fromarray(grid).save(path)


def grid_sharpness(path, rows=4):
    """Crispness of a grid saved by sample_grid: the mean absolute difference between horizontally and
    vertically adjacent grey pixels over the stylized block (all but the first row and column, which hold the
    photos and paintings). Softer output scores lower; compare grids of one cell size only."""
    grey = np.asarray(Image.open(path).convert("L"), dtype=np.float64)
    cell = grey.shape[0] // (rows + 1)
    block = grey[cell:, cell:]
    return float((np.abs(np.diff(block, axis=1)).mean() + np.abs(np.diff(block, axis=0)).mean()) / 2)


if __name__ == "__main__":
    import sys
    for grid_path in sys.argv[1:]:
        print(f"{grid_path}\t{grid_sharpness(grid_path):.2f}")
