"""DistributedDataParallel helpers: the same training command under ``torchrun``.

``torchrun --nproc_per_node N`` starts N processes and sets ``RANK``,
``WORLD_SIZE`` and ``LOCAL_RANK``; :func:`setup_distributed` reads them and
joins the process group (gloo on CPU, nccl on CUDA). Without those variables
it does nothing and training runs in one process. Rank 0 validates, saves and
logs; the others wait at :func:`barrier`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from seqsleepnet.errors import ConfigError

__all__ = ["DistInfo", "barrier", "cleanup_distributed", "setup_distributed"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DistInfo:
    """Where this process stands in a (possibly single-process) job."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """True for the process that validates, saves and logs."""
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        """True when a process group with several processes is active."""
        return self.world_size > 1


def setup_distributed(device: torch.device) -> DistInfo:
    """Join the process group that ``torchrun`` describes in the environment.

    Parameters
    ----------
    device : torch.device
        Training device; CUDA selects nccl and the GPU ``LOCAL_RANK``.

    Returns
    -------
    DistInfo
        ``DistInfo()`` (rank 0 of 1) when not started by ``torchrun``.

    Raises
    ------
    ConfigError
        If the environment variables are not whole numbers.
    """
    try:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
    except ValueError as error:
        raise ConfigError(f"RANK/WORLD_SIZE/LOCAL_RANK must be integers ({error})") from None
    if world <= 1:
        return DistInfo()
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(local)
        dist.init_process_group(backend=backend)
        logger.info("process %d of %d joined (%s)", rank, world, backend)
    return DistInfo(rank=rank, world_size=world, local_rank=local)


def barrier(info: DistInfo) -> None:
    """Wait for every process (no-op in a single process)."""
    if info.enabled and dist.is_initialized():
        dist.barrier()


def cleanup_distributed(info: DistInfo) -> None:
    """Leave the process group if this job joined one."""
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()
