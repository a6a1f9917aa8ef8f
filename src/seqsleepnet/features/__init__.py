"""Features of the paper: 30-s epochs, STFT log-magnitude images, normalisation."""
