"""Data for training and evaluation: synthetic PSG and dataset helpers."""
