"""Training throughput: SeqSleepNet training steps on CPU, every option side by side and physioex's.

One step is forward + loss + backward + Adam on a batch of 32 sequences of
L = 20 epochs, C = 3 channels of (29, 129) time-frequency images (random
inputs and labels: speed does not depend on the data). Every option of
:data:`OPTIONS` (ours: the default float32 step, bf16 autocast, torch.compile,
input memory layouts, the batch-normalised cells) and physioex's SeqSleepNet
(``physioex.models.seqsleepnet``, in its own virtualenv
``benchmarks/.venv-physioex``: ``make benchmarks/.venv-physioex/bin/python``;
never a project dependency) are timed in one run, in interleaved rounds: each
round runs ``--steps`` steps of every option in turn (physioex in a child
process that waits for its turn), so that the load of a shared machine falls
on all of them alike. Figures are medians over all timed steps; ratios are
taken within the run. physioex runs once configured like the paper (one
recurrent layer per level, attention size 64: like for like) and once with
its defaults (4 + 4 layers, attention 32). Its epoch-level RNN is an LSTM and
its sequence-level RNN a GRU, whatever the configuration.

Usage::

    python benchmarks/training_throughput.py [--steps 3] [--rounds 5] [--json OUT]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import select
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PHYSIOEX_PYTHON = HERE / ".venv-physioex" / "bin" / "python"
BATCH, SEQ_LEN, CHANNELS, FRAMES, BINS, CLASSES = 32, 20, 3, 29, 129, 5
WARMUP_STEPS = 2
PHYSIOEX_CONFIGS: dict[str, dict[str, int]] = {
    "like_for_like": {"seqnlayer1": 1, "seqnlayer2": 1, "attentionsize": 64},
    "defaults": {},
}
REFERENCE = "fp32"  # ours as the protocol trains it: the other options are compared with it
PHYSIOEX_REFERENCE = "physioex:like_for_like"
PHYSIOEX_STATUS = "another implementation, in its own virtualenv"


@dataclasses.dataclass(frozen=True)
class Option:
    """One way of running our training step.

    Attributes
    ----------
    cell : str
        Recurrent cell of both levels.
    precision : str
        The ``train --precision`` value (``fp32`` or ``bf16``), through the
        package's own :func:`seqsleepnet.training.precision.autocast_dtype`.
    compile : str or None
        ``"default"``: ``torch.compile`` (inductor) of the whole model;
        ``"allow_rnn"``: the same with dynamo's experimental tracing of
        ``nn.GRU`` (``torch._dynamo.config.allow_rnn``).
    layout : str
        Memory layout the batch is copied into inside the step, before the
        model: ``"contiguous"`` (as the loader gives it, (B, L, C, T, F)),
        ``"channels_last"`` (per epoch (T, F, C)) or ``"frame_major"`` (per
        epoch (T, C, F)).
    status : str
        What the package does with this option.
    """

    cell: str = "gru"
    precision: str = "fp32"
    compile: str | None = None
    layout: str = "contiguous"
    status: str = ""


OPTIONS: dict[str, Option] = {
    "fp32": Option(status="default: the protocol's step (nn.GRU, float32)"),
    "bf16": Option(
        precision="bf16",
        status="opt-in: train --precision bf16 (bf16 autocast on CPUs with bf16 instructions)",
    ),
    "compile": Option(
        compile="default",
        status="not adopted: graph breaks at both nn.GRU (see the notes)",
    ),
    "compile_allow_rnn": Option(
        compile="allow_rnn",
        status="not adopted: experimental dynamo flag that unrolls nn.GRU",
    ),
    "channels_last": Option(
        layout="channels_last",
        status="not adopted: the filterbank then copies a strided input",
    ),
    "frame_major": Option(
        layout="frame_major",
        status="candidate, not adopted: same outputs and gradients bit for bit, but the loader "
        "would have to assemble batches frame-major (see the notes)",
    ),
    "bn-gru": Option(cell="bn-gru", status="--cell bn-gru (fp32)"),
    "bn-lstm": Option(cell="bn-lstm", status="--cell bn-lstm (fp32; the authors' cell)"),
    "bn-lstm_bf16": Option(
        cell="bn-lstm", precision="bf16", status="--cell bn-lstm --precision bf16"
    ),
}


NOTES = [
    "Fused input projections: already in every cell, so there is nothing left to fuse "
    "without changing the maths. On CPU, nn.GRU projects the inputs of all time steps of a "
    "direction in one matrix product before its loop (torch.profiler shows one (18560, 96) x "
    "(96, 192) product per direction and step); the BN-GRU and BN-LSTM cells compute "
    "w_x(x) for all steps at once as well. Only the hidden-to-hidden products run per time "
    "step, as the recurrence requires.",
    "BN-GRU and BN-LSTM cells (maths unchanged, tested against their step-by-step equations "
    "in float64): the loop read the all-steps projection as gx[:, step], whose backward "
    "writes a zero-filled (N, T, G) gradient per step (aten::fill_: 18% of the BN-LSTM "
    "step before the change); it now unbinds it once. Their batch norm took Tensor.var "
    "over the batch dimension (12-20% of the step; 90 times slower than a mean there); now "
    "it takes the mean of squares of the centred values, the same two-pass maths. Against "
    "physioex like for like, this table had BN-GRU at 0.36x and BN-LSTM at 0.25x before.",
    "bf16: torch's CPU autocast runs the matrix products and nn.GRU in bfloat16 (oneDNN "
    "kernels on the CPU's AVX512-BF16 instructions; this CPU has no AMX). The loss curve "
    "over a few dozen steps on a fixed batch stays within 2% of float32's "
    "(tests/test_training_precision.py); it is other numerics than the protocol's, so it is "
    "opt-in (train --precision bf16) and the default stays float32. The BN cells spend "
    "their time in per-step element-wise work rather than matrix products.",
    "torch.compile (inductor, CPU): dynamo does not trace nn.GRU and breaks the graph at "
    "both GRUs, so only the filterbank, dropout, attention and output layer in between are "
    "compiled; torch._dynamo.config.allow_rnn (experimental) unrolls the GRUs into the "
    "graph. 'first step' includes the compilation (inductor caches compiled code on disk, "
    "so a repeated run compiles faster; give TORCHINDUCTOR_CACHE_DIR an empty folder for "
    "the cold figure). Neither is in the package.",
    "Input layouts: the filterbank (an einsum over channels) reads the loader's "
    "(B, L, C, T, F) batch with one internal copy. Channels-last epochs (T, F, C) make that "
    "copy strided. Frame-major epochs (T, C, F) let it read the batch in place, with the "
    "same outputs and gradients bit for bit (checked); in this table the batch is copied "
    "into that layout inside the step, and an in-process comparison with the batch already "
    "frame-major gave about 10% off the step. Taking it means the loader, which copies "
    "every window into the batch anyway, writes the batch frame-major: not done yet.",
    "Dropout masks (aten::bernoulli_) take a tenth of the float32 step or so (see the "
    "profile). A cheaper mask generator would draw other random numbers and change the "
    "protocol's training runs (and resumed runs), so it was measured but not changed.",
]


def make_step(
    model: Any,
    outputs_log_probs: bool,
    autocast: Any = None,
    to_layout: Callable[[Any], Any] | None = None,
) -> Callable[[], float]:
    """A function that runs one training step of ``model`` and returns its seconds.

    Only torch is imported here, so that the physioex virtualenv can run it.
    ``autocast`` is the autocast dtype (None: float32); ``to_layout`` copies
    the batch into another memory layout inside the timed step.
    """
    import torch

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(BATCH, SEQ_LEN, CHANNELS, FRAMES, BINS, generator=generator)
    y = torch.randint(0, CLASSES, (BATCH, SEQ_LEN), generator=generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    loss_fn = torch.nn.NLLLoss() if outputs_log_probs else torch.nn.CrossEntropyLoss()
    model.train()

    def step() -> float:
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        batch = x if to_layout is None else to_layout(x)
        with torch.autocast("cpu", dtype=autocast or torch.float32, enabled=autocast is not None):
            out = model(batch)  # (B, L, C, T, F) -> (B, L, K)
        loss = loss_fn(out.float().reshape(-1, CLASSES), y.reshape(-1))
        loss.backward()
        optimizer.step()
        return time.perf_counter() - start

    return step


def _layout(name: str) -> Callable[[Any], Any] | None:
    import torch

    def channels_last(x: torch.Tensor) -> torch.Tensor:
        # each epoch (C, T, F) stored as (T, F, C); the model sees the same (B, L, C, T, F)
        return x.permute(0, 1, 3, 4, 2).contiguous().permute(0, 1, 4, 2, 3)

    def frame_major(x: torch.Tensor) -> torch.Tensor:
        # each epoch (C, T, F) stored as (T, C, F): one frame's channels side by side
        return x.transpose(2, 3).contiguous().transpose(2, 3)

    return {"contiguous": None, "channels_last": channels_last, "frame_major": frame_major}[name]


def build_option(option: Option) -> tuple[Callable[[], float], dict[str, Any]]:
    """Our model set up as ``option`` says, its step function and what to record about it."""
    import torch

    from seqsleepnet.models.registry import build_model
    from seqsleepnet.training.precision import autocast_dtype

    torch.manual_seed(0)
    model = build_model("seqsleepnet", seed=0, cell=option.cell, seq_len=SEQ_LEN)
    parameters = sum(p.numel() for p in model.parameters() if p.requires_grad)
    runner = model
    if option.compile is not None:
        import torch._dynamo

        torch._dynamo.config.allow_rnn = option.compile == "allow_rnn"
        runner = torch.compile(model)
    dtype = autocast_dtype(option.precision, torch.device("cpu"))
    step = make_step(runner, True, autocast=dtype, to_layout=_layout(option.layout))
    warmup = [step() for _ in range(WARMUP_STEPS)]  # the first step includes compilation
    return step, {"parameters": parameters, "first_step_s": round(warmup[0], 3)}


def build_physioex() -> dict[str, tuple[Callable[[], float], dict[str, Any]]]:
    """physioex's SeqSleepNet in each of :data:`PHYSIOEX_CONFIGS` (in its virtualenv)."""
    import torch
    from physioex.models.seqsleepnet import SeqSleepNet as PhysioexSeqSleepNet

    built = {}
    for name, config in PHYSIOEX_CONFIGS.items():
        torch.manual_seed(0)
        model = PhysioexSeqSleepNet(n_classes=CLASSES, in_chan=CHANNELS, **config)
        step = make_step(model, outputs_log_probs=False)
        warmup = [step() for _ in range(WARMUP_STEPS)]
        built[f"physioex:{name}"] = (
            step,
            {
                "config": config or "defaults (seqnlayer1=4, seqnlayer2=4, attentionsize=32)",
                "parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
                "first_step_s": round(warmup[0], 3),
                "status": PHYSIOEX_STATUS,
            },
        )
    return built


def serve(what: str, threads: int) -> None:
    """Child process: build ``what`` (an option name or ``physioex``), then time steps on request.

    Prints one JSON line when ready (``{"rows": {name: info}}``, or ``{"error": ...}``),
    then answers each line ``NAME COUNT`` on stdin with ``{"times": [...]}``. Each
    option runs in its own process, so that compiled graphs and dynamo settings of one
    never reach another.
    """
    from importlib.metadata import version

    import torch

    torch.set_num_threads(threads)
    try:
        built = build_physioex() if what == "physioex" else {what: build_option(OPTIONS[what])}
    except Exception as error:  # an option that does not work is a finding, not a crash
        message = str(error).strip().splitlines()
        print(
            json.dumps({"error": f"{type(error).__name__}: {message[0][:300] if message else ''}"})
        )
        return
    versions = {"torch": torch.__version__}
    if what == "physioex":
        versions["physioex"] = version("physioex")
    print(json.dumps({"rows": {k: info for k, (_, info) in built.items()}, **versions}), flush=True)
    for line in sys.stdin:
        name, count = line.split()
        print(json.dumps({"times": [built[name][0]() for _ in range(int(count))]}), flush=True)


class StepServer:
    """A child process that times training steps of one option (see :func:`serve`)."""

    def __init__(self, python: Path, what: str, threads: int, ready_timeout: float) -> None:
        command = [str(python), __file__, "--serve", what, "--threads", str(threads)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        if not select.select([self.process.stdout], [], [], ready_timeout)[0]:
            self.process.kill()
            self.process.wait()
            self.ready: dict[str, Any] = {
                "error": f"not ready within {ready_timeout:.0f} s (building and warm-up steps)"
            }
        else:
            self.ready = self._reply()

    def _reply(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            return {"error": f"child exited with status {self.process.wait()}"}
        reply: dict[str, Any] = json.loads(line)
        return reply

    def steps(self, name: str, count: int) -> list[float]:
        """Seconds of each of ``count`` steps of ``name``."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{name} {count}\n")
        self.process.stdin.flush()
        times: list[float] = self._reply()["times"]
        return times

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()


PROFILE_GROUPS: dict[str, tuple[str, ...]] = {
    "matrix products (RNN projections, filterbank, attention)": (
        "aten::mm",
        "aten::addmm",
        "aten::bmm",
    ),
    "dropout masks": ("aten::bernoulli_",),
    "element-wise (RNN gates, dropout, activations)": (
        "aten::mul",
        "aten::mul_",
        "aten::add",
        "aten::add_",
        "aten::sub",
        "aten::div_",
        "aten::sigmoid_",
        "aten::tanh_",
        "aten::tanh",
        "aten::sigmoid",
        "aten::sigmoid_backward",
        "aten::tanh_backward",
        "aten::softmax",
        "aten::_softmax_backward_data",
        "aten::_log_softmax",
        "aten::sum",
    ),
    "copies and concatenation": ("aten::copy_", "aten::cat", "aten::stack", "aten::clone"),
}


def profile_reference(steps: int = 2) -> dict[str, Any]:
    """Where the time of our default step goes: self CPU time per group of operators."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    step, _ = build_option(OPTIONS[REFERENCE])
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    self_us = {e.key: e.self_cpu_time_total for e in prof.key_averages()}
    total = sum(self_us.values())
    groups = {
        name: round(sum(self_us.get(op, 0.0) for op in ops) / total, 3)
        for name, ops in PROFILE_GROUPS.items()
    }
    groups["other"] = round(1.0 - sum(groups.values()), 3)
    top = sorted(self_us.items(), key=lambda item: -item[1])[:8]
    return {
        "option": REFERENCE,
        "steps": steps,
        "torch": torch.__version__,
        "self_cpu_fraction": groups,
        "top_operators": {op: round(us / total, 3) for op, us in top},
    }


def _summary(rounds: list[list[float]]) -> dict[str, Any]:
    step = statistics.median(t for times in rounds for t in times)
    return {
        "step_s": round(step, 4),
        "sequences_per_s": round(BATCH / step, 1),
        "rounds_s": [[round(t, 4) for t in times] for times in rounds],
    }


def run(
    options: list[str], steps: int, rounds: int, threads: int, ready_timeout: float
) -> dict[str, Any]:
    """Time every option and physioex in interleaved rounds; medians over all steps."""
    rows: dict[str, dict[str, Any]] = {}
    servers: dict[str, StepServer] = {}
    for name in options:
        server = StepServer(Path(sys.executable), name, threads, ready_timeout)
        rows[name] = {
            **dataclasses.asdict(OPTIONS[name]),
            **server.ready.get("rows", {}).get(name, {}),
        }
        if "error" in server.ready:
            rows[name]["error"] = server.ready["error"]
            server.close()
        else:
            servers[name] = server
        print(name, rows[name].get("first_step_s", rows[name].get("error")), flush=True)
    physioex: dict[str, Any] = {}
    if not PHYSIOEX_PYTHON.exists():
        physioex["error"] = (
            f"no virtualenv at {PHYSIOEX_PYTHON.relative_to(HERE.parent)}; "
            "run 'make benchmarks/.venv-physioex/bin/python'"
        )
    else:
        server = StepServer(PHYSIOEX_PYTHON, "physioex", threads, ready_timeout)
        physioex = {k: v for k, v in server.ready.items() if k != "rows"}
        for name, info in server.ready.get("rows", {}).items():
            rows[name], servers[name] = info, server
    rounds_s: dict[str, list[list[float]]] = {name: [] for name in servers}
    order = list(servers)
    for index in range(rounds):
        for name in order if index % 2 == 0 else order[::-1]:
            rounds_s[name].append(servers[name].steps(name, steps))
        print(f"round {index + 1}/{rounds}", flush=True)
    for server in set(servers.values()):
        server.close()
    for name, values in rounds_s.items():
        rows[name].update(_summary(values))
    return {"rows": rows, "physioex": physioex}


def ratios(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Speed of every timed row against ours in float32 and against physioex like for like.

    Each round gives one paired ratio (the base's median step over the row's, both from
    that round, so that a change of load between rounds cancels); the ratio is their
    median over the rounds and ``iqr`` their quartiles.
    """
    out: dict[str, dict[str, Any]] = {}
    for base in (REFERENCE, PHYSIOEX_REFERENCE):
        if "rounds_s" not in rows.get(base, {}):
            continue
        ratio, iqr = {}, {}
        for name, row in rows.items():
            if "rounds_s" not in row:
                continue
            per_round = [
                statistics.median(b) / statistics.median(t)
                for b, t in zip(rows[base]["rounds_s"], row["rounds_s"], strict=True)
            ]
            ratio[name] = round(statistics.median(per_round), 2)
            quartiles = (
                statistics.quantiles(per_round, n=4) if len(per_round) > 1 else per_round * 3
            )
            iqr[name] = [round(quartiles[0], 2), round(quartiles[-1], 2)]
        out[f"over_{base}"] = ratio
        out[f"iqr_over_{base}"] = iqr
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3, help="timed steps per option and round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--options", nargs="+", default=list(OPTIONS), choices=list(OPTIONS))
    parser.add_argument("--json", type=Path, default=HERE / "results" / "training_throughput.json")
    parser.add_argument(
        "--ready-timeout",
        type=float,
        default=900.0,
        help="seconds an option may take to build and warm up (compilation) before it is dropped",
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.threads)
        return

    sys.path.insert(0, str(HERE))
    from _common import machine_info, set_threads, write_json
    from seqsleepnet.training.precision import cpu_supports_bf16

    machine = machine_info(
        torch_threads=set_threads(args.threads),
        cpu_bf16=cpu_supports_bf16(),
        gpu_note="no GPU in this run: GPU figures pending",
    )
    measured = run(args.options, args.steps, args.rounds, args.threads, args.ready_timeout)
    result: dict[str, Any] = {
        "study": "training_throughput",
        "batch": BATCH,
        "seq_len": SEQ_LEN,
        "channels": CHANNELS,
        "image": [FRAMES, BINS],
        "optimizer": "Adam",
        "device": "cpu",
        "steps_per_round": args.steps,
        "rounds": args.rounds,
        **measured,
        "ratios": ratios(measured["rows"]),
        "profile": profile_reference(),
        "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
        "notes": NOTES,
        "machine": machine,
    }
    write_json(args.json, result)
    print(json.dumps(result["ratios"], indent=1))


if __name__ == "__main__":
    main()
