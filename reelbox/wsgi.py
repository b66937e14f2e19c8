import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelbox.settings")
application = get_wsgi_application()

# Each web process loads the recommender's model as it starts, not in its first viewer's request.
from reelbox.feed.recommender import preload  # noqa: E402

preload()
