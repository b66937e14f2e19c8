import numpy as np

from reelbox.recsys import DEFAULT_CONFIG, Interactions, WatchQuantiles, feedback_weight


def test_watch_quantile_debiases_duration() -> None:
    rng = np.random.default_rng(0)
    # Short videos are watched to the end far more often than long ones.
    short, long_ = rng.uniform(0.5, 2.0, 500), rng.uniform(0.0, 0.6, 500)
    q = WatchQuantiles.fit(np.concatenate([short, long_]), np.array([7.0] * 500 + [200.0] * 500), [10.0, 60.0])
    # The same raw ratio 0.55 is poor for a 7 s clip but excellent for a 200 s video.
    s, lo = q.quantile(np.array([0.55, 0.55]), np.array([7.0, 200.0]))
    assert s < 0.1 and lo > 0.85


def test_feedback_weight_signs() -> None:
    ev = Interactions.from_records([
        {"user": 1, "item": 1, "watch_ratio": 1.0, "completed": True, "like": True},
        {"user": 1, "item": 2, "watch_ratio": 0.05, "skip": True},
        {"user": 1, "item": 3, "watch_ratio": 0.5, "not_interested": True},
        {"user": 1, "item": 4, "watch_ratio": 1.0, "completed": True, "replay": True},
    ])
    q = WatchQuantiles.fit(np.linspace(0, 1, 100), np.full(100, 15.0), [10.0])
    sig = DEFAULT_CONFIG["signals"]
    w = feedback_weight(ev, np.full(4, 15.0), q, sig["weights"], sig["skip_watch_ratio"])
    assert w[0] > w[3] > 0 > w[1] > w[2]
