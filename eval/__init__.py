"""Evaluation harness: datasets, metrics, runner and reports."""
