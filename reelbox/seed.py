"""Demo content: a dozen creators and 30+ short vertical clips, all transcoded.

Clips are synthesised with ffmpeg (patterns, colours, tones) so the demo needs
no downloads and carries no third-party media.
"""

from __future__ import annotations

import logging
import random
import secrets
import tempfile
from pathlib import Path

from django.db import transaction

log = logging.getLogger("reelbox.seed")

CREATORS = [
    ("maya", "Maya Chen"), ("leo", "Leo Martins"), ("amara", "Amara Okafor"), ("kenji", "Kenji Sato"),
    ("sofia", "Sofía García"), ("arjun", "Arjun Mehta"), ("nadia", "Nadia Haddad"), ("tom", "Tom Becker"),
    ("li_wei", "李伟"), ("ines", "Inês Costa"), ("dewi", "Dewi Lestari"), ("omar", "Omar Farouk"),
]
PATTERNS = ["testsrc2", "mandelbrot", "life", "color", "rgbtestsrc", "smptehdbars"]
COLOURS = ["#ff0066", "#00b3ff", "#ffcc00", "#22cc88", "#9933ff", "#ff6600", "#0066ff", "#ff3399"]
CAPTIONS = [
    "Morning light over the city #sunrise #timelapse", "Three-step noodle hack #cooking #foodtok",
    "Trying the new dance #dance #challenge", "Can you spot the pattern? #puzzle #math",
    "Rainy-day colours #aesthetic #mood", "Skateboard trick attempt 27 #skate #fail",
    "Tiny desk concert, part 1 #music #live", "Cat vs. laser pointer #cats #pets",
    "Street food tour #travel #foodtok", "Learn this chord in 10 seconds #guitar #music",
    "Before and after #makeover #diy", "When the beat drops #dance #music",
    "周末的小确幸 #生活 #vlog", "Receta rápida de arepas #cocina #receta", "Pôr do sol na praia #viagem #brasil",
]


def seed_demo(count: int = 32, *, clip_s: float = 4.0) -> int:
    from reelbox.accounts.models import User
    from reelbox.media.generate import make_clip
    from reelbox.videos import actions
    from reelbox.worker import run as run_worker

    rng = random.Random(7)
    users = []
    for username, name in CREATORS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=f"{username}@demo.invalid", display_name=name,
                        bio="Demo creator on Reelbox")
            # Demo accounts cannot be logged into: nobody knows the password.
            user.set_password(secrets.token_urlsafe(24))
            user.save()
        users.append(user)
    created = 0
    with tempfile.TemporaryDirectory(prefix="reelbox-seed-") as tmp:
        for i in range(count):
            clip = Path(tmp) / f"clip{i}.mp4"
            make_clip(clip, duration=clip_s + rng.random() * 3, width=720, height=1280,
                      pattern=PATTERNS[i % len(PATTERNS)], color=COLOURS[i % len(COLOURS)],
                      tone_hz=220 + 55 * (i % 12))
            with transaction.atomic():
                actions.create_video(author=users[i % len(users)], local_path=clip,
                                     caption=CAPTIONS[i % len(CAPTIONS)])
            clip.unlink()
            created += 1
    # The studio's demo music library (reelbox.studio).
    from reelbox.studio.demo import seed_library

    seed_library()
    # Transcode everything now so the demo is complete when seeding returns.
    run_worker(queues=["*"], batch=True, interval=0)
    # A featured challenge on the demo's #dance clips, and first trends (reelbox.discovery).
    from reelbox.discovery import actions as discovery_actions, trends

    discovery_actions.seed_demo_challenge()
    trends.recompute()
    # A first recommender model, so For You ranks (and explores) from the first visit.
    from reelbox.feed.recommender import train

    train()
    log.info("seeded %d videos from %d creators", created, len(users))
    return created
