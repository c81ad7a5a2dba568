"""The benchmarks' checks can fail: no samples, too few samples, a correctness miss that is not
retried, faults without a recovery window."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from bench.common import FAILED, PASSED, TIMING_MISS, Report, percentile
from bench.faults import GRACE, MIN_WINDOW, fault_times
from bench.run import passed, run_benchmark


def test_a_distribution_of_no_samples_fails_and_has_no_percentile():
    report = Report("empty")
    figures = report.distribution("delivered - due", [], expected=0)
    assert figures["n"] == 0 and report.finish() == FAILED
    with pytest.raises(ValueError):
        percentile([], 99)


def test_a_distribution_below_its_expected_sample_count_fails_even_when_fast():
    report = Report("short")
    report.distribution("delivered - due", [1.0, 2.0, 3.0], expected=4)
    assert report.misses and report.finish() == FAILED
    complete = Report("complete")
    complete.distribution("delivered - due", [1.0, 2.0, 3.0, 4.0], expected=4)
    assert complete.finish() == PASSED


def test_a_timing_miss_alone_is_told_apart_from_a_correctness_miss():
    timing = Report("timing")
    timing.target(False, "p99 300 ms <= 250 ms", timing=True)
    assert timing.finish() == TIMING_MISS
    both = Report("both")
    both.target(False, "p99 300 ms <= 250 ms", timing=True)
    both.target(False, "lost deliveries: 1")
    assert both.finish() == FAILED


def _counting_command(tmp_path: Path, code: int) -> list[str]:
    """A stand-in benchmark that counts its runs in a file and exits with `code`."""
    runs = tmp_path / "runs"
    script = f"import pathlib, sys; p = pathlib.Path({str(runs)!r}); p.write_text(p.read_text() + 'x' if p.exists() else 'x'); sys.exit({code})"  # noqa: E501
    return [sys.executable, "-c", script]


@pytest.mark.parametrize(
    ("code", "retry", "verdict", "runs"),
    [
        (PASSED, True, "PASS", 1),
        (FAILED, True, "FAIL", 1),  # lost / duplicate / false escalation: never run again
        (TIMING_MISS, True, "timing miss, retried: FAIL", 2),
        (TIMING_MISS, False, "FAIL (timing)", 1),
    ],
)
def test_only_a_timing_miss_is_retried_and_the_retry_is_printed(tmp_path, capsys, code, retry, verdict, runs):
    command = _counting_command(tmp_path, code)
    got = run_benchmark("skew", command, env=dict(os.environ), retry_timing=retry)
    assert got == verdict and (tmp_path / "runs").read_text() == "x" * runs
    assert passed(got) == (code == PASSED)
    if runs == 2:
        assert "skew: timing miss, running it once more" in capsys.readouterr().out


def test_timing_miss_then_pass_on_retry_counts_as_passed():
    assert passed("timing miss, retried: PASS") and not passed("FAIL (timing)")


@pytest.mark.parametrize("duration", [55, 120])
def test_faults_are_spaced_so_each_has_its_grace_and_a_recovery_window(duration):
    times = fault_times(duration)
    assert len(times) == 4
    ends = [*times[1:], duration]
    assert all(end - start >= GRACE.total_seconds() + MIN_WINDOW for start, end in zip(times, ends, strict=True))


def test_a_fault_run_too_short_for_recovery_windows_is_refused():
    with pytest.raises(ValueError):
        fault_times(30)
