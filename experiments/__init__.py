"""Many runs: the command line, runners and executors, comparisons, backtests and benchmarks."""
