"""Benchmark-only code: the one-agent-per-applicant Mesa reference (never used by the model)."""
