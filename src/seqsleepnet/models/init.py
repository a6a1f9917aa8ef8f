"""Random initial weights that a model built on the meta device skips.

A checkpoint's size check builds its model on the meta device (shapes only,
nothing allocated). There, random fills run through PyTorch's Python
reference kernels, whose first use imports the compiler stack (about a second
of start-up for every ``stage``); shapes need no values, so the fill is left out.
"""

from __future__ import annotations

import torch

__all__ = ["normal_"]


def normal_(tensor: torch.Tensor, std: float = 1.0) -> torch.Tensor:
    """Fill ``tensor`` in place with N(0, std^2), as ``torch.nn.init.normal_`` does.

    The same draws as ``torch.randn(shape) * std``-style initialisation under the
    same seed; nothing happens on the meta device.
    """
    if not tensor.is_meta:
        with torch.no_grad():
            tensor.normal_(0.0, std)
    return tensor
