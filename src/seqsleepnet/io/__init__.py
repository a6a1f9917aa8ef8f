"""Reading and writing PSG recordings and hypnograms."""
