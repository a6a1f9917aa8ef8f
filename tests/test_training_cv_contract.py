"""What the folds of one cross-validation must share, and how differences are named."""

from __future__ import annotations

from seqsleepnet.training.config import TrainConfig
from seqsleepnet.training.cv_contract import contract_differences, training_identity


def test_training_identity_leaves_out_device_threads_and_subjects() -> None:
    a = training_identity(TrainConfig(data="x", device="cpu", threads=1, val_subjects=["S01"]))
    b = training_identity(TrainConfig(data="y", device="cuda", threads=8, eval_batch_size=7))
    assert a == b and a["lr"] == 1e-4  # the default learning rate is resolved
    assert training_identity(TrainConfig(init_from="ckpt.pt"))["lr"] == 2e-5


def test_differences_name_the_innermost_setting() -> None:
    saved = {
        "data": {"settings": "a", "preprocessing": {"roles": ["eeg", "eog"], "x": 1}},
        "training": {"model": "seqsleepnet", "lr": 1e-4, "seed": 0},
    }
    current = {
        "data": {"settings": "b", "preprocessing": {"roles": ["eeg"], "x": 1}},
        "training": {"model": "arnn", "lr": 1e-4},  # no seed: not compared
    }
    found = contract_differences(saved, current, names=("then", "now"))
    assert found == [
        'data.preprocessing.roles: ["eeg", "eog"] then vs ["eeg"] now',
        'data.settings: "a" then vs "b" now',
        'training.model: "seqsleepnet" then vs "arnn" now',
    ]
    assert contract_differences(saved, saved) == []
    assert contract_differences({"training": saved["training"]}, current)[0].startswith(
        "training.model"
    )  # a section one side lacks is not compared


def test_differences_of_recordings_count_them() -> None:
    a = {"data": {"recordings": {"R1": 10, "R2": 20}}}
    b = {"data": {"recordings": {"R1": 10}}}
    c = {"data": {"recordings": {"R1": 10, "R2": 21}}}
    assert contract_differences(a, b) == [
        "data.recordings: 2 recordings (30 epochs) saved vs 1 (10 epochs) now, "
        "differing e.g. ['R2']"
    ]
    assert "differing e.g. ['R2']" in contract_differences(a, c)[0]
