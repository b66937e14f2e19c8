from django.core.management.base import BaseCommand

from reelbox.messaging import actions


class Command(BaseCommand):
    help = "Rewrap every conversation's data key with the current REELBOX_MESSAGE_KEY (docs/security.md)."

    def handle(self, *args, **options):
        changed = actions.rotate_keys()
        self.stdout.write(f"rewrapped {changed} conversation keys")
