from reelbox.recsys.bloom import BloomFilter


def test_no_false_negatives_and_configured_fp_rate() -> None:
    bf = BloomFilter(capacity=5000, error_rate=0.01)
    for i in range(5000):
        bf.add(f"seen-{i}")
    assert all(f"seen-{i}" in bf for i in range(5000))
    fp = sum(f"other-{i}" in bf for i in range(20000)) / 20000
    assert 0.002 < fp < 0.02


def test_round_trip_bytes() -> None:
    bf = BloomFilter(100, 0.05)
    bf.add(42)
    again = BloomFilter.from_bytes(bf.to_bytes(), 100, 0.05, bf.count)
    assert 42 in again and again.count == 1


def test_a_sessions_seen_set_is_exact() -> None:
    import numpy as np

    from reelbox.recsys.state import SeenSet

    rng = np.random.default_rng(5)
    seen, reference = SeenSet(), set()
    assert not seen.contains_many(np.array([0, 1, 2])).any() and 0 not in seen
    for _batch in range(20):
        added = rng.integers(0, 1000, size=int(rng.integers(0, 40)))
        seen.add_many(added)
        reference |= set(added.tolist())
        asked = rng.integers(-5, 1010, size=300)
        assert seen.contains_many(asked).tolist() == [int(x) in reference for x in asked]
    assert seen.count == len(reference)
