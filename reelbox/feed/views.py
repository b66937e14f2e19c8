import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from reelbox.feed import queries


def home(request):
    # The first page is rendered into the HTML so the first poster shows
    # without waiting for another round trip.
    items, next_cursor = queries.foryou_page(queries.who(request, request.user), None)
    return render(request, "feed/home.html", {"items": [json.loads(item) for item in items],
                                              "next_cursor": next_cursor, "tab": "foryou",
                                              "feed_url": "/api/v1/feed/foryou"})


@login_required
def following(request):
    items, next_cursor = queries.following_page(request.user, None)
    return render(request, "feed/home.html", {"items": [json.loads(item) for item in items],
                                              "next_cursor": next_cursor, "tab": "following",
                                              "feed_url": "/api/v1/feed/following"})


@login_required
def interests(request):
    return render(request, "feed/interests.html",
                  {"interests": queries.viewer_interests(queries.who(request, request.user))})
