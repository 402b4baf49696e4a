"""Failed passes back off exponentially, report each distinct error once, and a new
generation is tried at once."""

from osprey.backoff import PassFailures, backoff_seconds


def test_back_off_doubles_from_the_base_and_stops_at_the_cap():
    assert 0.8 <= backoff_seconds(1, 1.0, 60.0) <= 1.2
    assert 3.2 <= backoff_seconds(3, 1.0, 60.0) <= 4.8
    assert backoff_seconds(30, 1.0, 60.0) <= 72.0


def test_a_failing_pass_waits_longer_each_time():
    failures = PassFailures(base=1.0, cap=100.0)
    failures.failed("boom")
    first = failures.retry_in()
    failures.failed("boom")
    failures.failed("boom")
    assert failures.retry_in() > first * 2


def test_each_distinct_error_is_reported_once():
    failures = PassFailures(base=1.0, cap=100.0)
    assert [failures.failed(m) for m in ("a", "a", "b", "b", "a")] == [
        True, False, True, False, True]


def test_a_new_generation_is_tried_at_once_and_success_forgets_the_failures():
    failures = PassFailures(base=10.0, cap=100.0)
    failures.failed("boom")
    failures.retry_now()
    assert failures.retry_in() is None
    failures.succeeded()
    assert failures.count == 0 and failures.failed("boom")
