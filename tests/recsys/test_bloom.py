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
