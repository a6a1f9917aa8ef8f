"""Training throughput: SeqSleepNet training steps per second on CPU, ours and physioex's.

One step is forward + loss + backward + Adam on a batch of 32 sequences of
L = 20 epochs, C = 3 channels of (29, 129) time-frequency images (random
inputs and labels: speed does not depend on the data). Our model is timed
with each recurrent cell (``gru``, ``bn-gru``, ``bn-lstm``). physioex's
SeqSleepNet (``physioex.models.seqsleepnet``) runs in its own virtualenv,
``benchmarks/.venv-physioex`` (``pip install torch==2.13.0`` first, then
``pip install physioex``; never a project dependency), once configured like
the paper (one recurrent layer per level, attention size 64) and once with
its defaults (4 + 4 layers, attention 32). Its epoch-level RNN is an LSTM
and its sequence-level RNN a GRU, whatever the configuration.

Usage::

    python benchmarks/training_throughput.py [--steps 10] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PHYSIOEX_PYTHON = HERE / ".venv-physioex" / "bin" / "python"
BATCH, SEQ_LEN, CHANNELS, FRAMES, BINS, CLASSES = 32, 20, 3, 29, 129, 5
PHYSIOEX_CONFIGS: dict[str, dict[str, int]] = {
    "like_for_like": {"seqnlayer1": 1, "seqnlayer2": 1, "attentionsize": 64},
    "defaults": {},
}


def time_steps(model: Any, outputs_log_probs: bool, steps: int, warmup: int = 2) -> dict[str, Any]:
    """Median seconds per training step of ``model`` and the sequences per second.

    Only torch is imported here, so that the physioex virtualenv can run it.
    """
    import torch

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(BATCH, SEQ_LEN, CHANNELS, FRAMES, BINS, generator=generator)
    y = torch.randint(0, CLASSES, (BATCH, SEQ_LEN), generator=generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    loss_fn = torch.nn.NLLLoss() if outputs_log_probs else torch.nn.CrossEntropyLoss()
    model.train()
    times = []
    for index in range(warmup + steps):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        out = model(x)  # (B, L, C, T, F) -> (B, L, K)
        loss = loss_fn(out.reshape(-1, CLASSES), y.reshape(-1))
        loss.backward()
        optimizer.step()
        if index >= warmup:
            times.append(time.perf_counter() - start)
    step = statistics.median(times)
    return {
        "step_s": round(step, 4),
        "sequences_per_s": round(BATCH / step, 1),
        "steps_s": [round(t, 4) for t in times],
        "parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
    }


def physioex_child(steps: int, threads: int) -> None:
    """Run inside the physioex virtualenv: time its SeqSleepNet, print one JSON line."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    from importlib.metadata import version

    from physioex.models.seqsleepnet import SeqSleepNet as PhysioexSeqSleepNet

    rows = {}
    for name, config in PHYSIOEX_CONFIGS.items():
        model = PhysioexSeqSleepNet(n_classes=CLASSES, in_chan=CHANNELS, **config)
        rows[name] = {
            "config": config or "defaults (seqnlayer1=4, seqnlayer2=4, attentionsize=32)",
            **time_steps(model, outputs_log_probs=False, steps=steps),
        }
    print(json.dumps({"physioex": version("physioex"), "torch": torch.__version__, "rows": rows}))


def run_physioex(steps: int, threads: int) -> dict[str, Any]:
    """physioex's figures from its virtualenv, or why there are none."""
    if not PHYSIOEX_PYTHON.exists():
        return {
            "error": f"no virtualenv at {PHYSIOEX_PYTHON.relative_to(HERE.parent)}; "
            "create it and pip install torch==2.13.0 then physioex"
        }
    command = [
        str(PHYSIOEX_PYTHON),
        __file__,
        "--physioex-child",
        "--steps",
        str(steps),
        "--threads",
        str(threads),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return {"error": f"physioex run failed: {lines[-1] if lines else done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=10, help="timed steps per model")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "training_throughput.json")
    parser.add_argument("--physioex-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.physioex_child:
        physioex_child(args.steps, args.threads)
        return

    sys.path.insert(0, str(HERE))
    import torch

    from _common import machine_info, set_threads, write_json
    from seqsleepnet.models.registry import build_model

    machine = machine_info(
        torch_threads=set_threads(args.threads), gpu_note="no GPU in this run: GPU figures pending"
    )
    ours = {}
    for cell in ("gru", "bn-gru", "bn-lstm"):
        torch.manual_seed(0)
        model = build_model("seqsleepnet", seed=0, cell=cell, seq_len=SEQ_LEN)
        ours[cell] = time_steps(model, outputs_log_probs=True, steps=args.steps)
        print(cell, ours[cell]["sequences_per_s"], "seq/s", flush=True)
    physioex = run_physioex(args.steps, args.threads)
    result: dict[str, Any] = {
        "study": "training_throughput",
        "batch": BATCH,
        "seq_len": SEQ_LEN,
        "channels": CHANNELS,
        "image": [FRAMES, BINS],
        "optimizer": "Adam",
        "device": "cpu",
        "ours": ours,
        "physioex": physioex,
        "machine": machine,
    }
    if "rows" in physioex:
        base = physioex["rows"]["like_for_like"]["sequences_per_s"]
        result["ratios"] = {
            f"ours_{cell}_over_physioex_like_for_like": round(row["sequences_per_s"] / base, 2)
            for cell, row in ours.items()
        }
        result["ratios"]["physioex_like_for_like_over_defaults"] = round(
            base / physioex["rows"]["defaults"]["sequences_per_s"], 2
        )
    write_json(args.json, result)
    print(json.dumps({k: v for k, v in result.items() if k not in ("machine",)}, indent=1)[:3000])


if __name__ == "__main__":
    main()
