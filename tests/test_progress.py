from napari_maliang._progress import Progress, run_to_end


def _job(n):
    total = 0
    for i in range(n):
        total += i
        yield Progress(i + 1, n, f"step {i + 1}")
    return total


def test_run_to_end_returns_value_and_reports_each_step():
    seen = []
    assert run_to_end(_job(4), seen.append) == 6
    assert [p.done for p in seen] == [1, 2, 3, 4]
    assert seen[-1].fraction == 1.0


def test_fraction_is_clipped_and_safe_for_zero_total():
    assert Progress(5, 2).fraction == 1.0
    assert Progress(-1, 2).fraction == 0.0
    assert Progress(1, 0).fraction == 0.0


def test_nested_rescales_a_part_and_returns_its_value():
    from napari_maliang._progress import nested

    def outer():
        first = yield from nested(_job(2), 0, 2)
        second = yield from nested(_job(4), 1, 2)
        return first, second

    seen = []
    assert run_to_end(outer(), seen.append) == (1, 6)
    assert [p.fraction for p in seen] == [0.25, 0.5, 0.625, 0.75, 0.875, 1.0]
    assert seen[0].message == "step 1"
