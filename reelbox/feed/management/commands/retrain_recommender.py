from django.core.management.base import BaseCommand

from reelbox.feed import recommender


class Command(BaseCommand):
    help = "Train a new recommender model version now and publish it (web processes swap it in within seconds)."

    def handle(self, *args, **options):
        row = recommender.train()
        if row is None:
            self.stdout.write("no playable videos: nothing to train on")
            return
        self.stdout.write(f"recommender {row.version}: {row.n_items} videos, {row.n_events} viewer-video pairs, "
                          f"{row.n_viewers} viewers, {row.fit_seconds:.2f} s")
