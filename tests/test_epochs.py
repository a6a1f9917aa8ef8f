import numpy as np

from seqsleepnet.features.epochs import epoch_onsets, epoch_signals


def test_epochs_keep_channel_order_and_drop_the_partial_tail() -> None:
    data = np.arange(2 * 7000, dtype=np.float32).reshape(2, 7000)
    epochs = epoch_signals(data, 3000)
    assert epochs.shape == (2, 2, 3000)
    np.testing.assert_array_equal(epochs[1, 0], data[0, 3000:6000])
    np.testing.assert_array_equal(epochs[0, 1], data[1, :3000])


def test_onsets() -> None:
    np.testing.assert_array_equal(epoch_onsets(3), [0.0, 30.0, 60.0])
