"""Linli 邻里: the assistant a district's communities run for their residents."""

__version__ = "0.1.0"
