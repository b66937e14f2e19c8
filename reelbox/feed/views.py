import json

from django.shortcuts import render

from reelbox.feed import queries


def home(request):
    # The first page is rendered into the HTML so the first poster shows
    # without waiting for another round trip.
    items, next_cursor = queries.foryou_page(request.user, None)
    return render(request, "feed/home.html",
                  {"items": [json.loads(item) for item in items], "next_cursor": next_cursor})
