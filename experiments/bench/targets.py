"""The speed and memory targets `noodplan bench` judges its figures against (2-core machines)."""

TARGETS = {
    "baseline_s": 0.3,             # two years headless, excluding start-up
    "baseline_over_floor": 3.0,
    "mesa_over_headless": 1.5,
    "speedup_over_reference": 100.0,
    "eu_scale_s": 10.0,            # one simulated year
    "eu_scale_peak_bytes": 1e9,
    "eu_scale_bytes_per_person": 100.0,
}
