from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reelbox.accounts import actions, queries
from reelbox.accounts.forms import LoginForm, ProfileForm, SignupForm
from reelbox.core import ratelimit, regions
from reelbox.core.errors import ApiError
from reelbox.social import queries as social_queries
from reelbox.videos import queries as video_queries


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else "/"


def _render_error(request, template, form, exc: ApiError):
    form.add_error(None, exc.detail)
    response = render(request, template, {"form": form, "next": _next_url(request)}, status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ratelimit.hit(request, "signup", ratelimit.client_ip(request))
            user = actions.signup(**form.cleaned_data,
                                  region=regions.from_accept_language(request.headers.get("Accept-Language")))
        except ApiError as exc:
            return _render_error(request, "accounts/signup.html", form, exc)
        login(request, user)
        return redirect(_next_url(request))
    return render(request, "accounts/signup.html", {"form": form, "next": _next_url(request)},
                  status=400 if form.errors else 200)


def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ratelimit.hit(request, "login", ratelimit.client_ip(request))
        except ApiError as exc:
            return _render_error(request, "accounts/login.html", form, exc)
        user = queries.check_credentials(form.cleaned_data["username"], form.cleaned_data["password"])
        if user is not None:
            login(request, user)
            return redirect(_next_url(request))
        form.add_error(None, _("Wrong username or password."))
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)},
                  status=400 if form.errors else 200)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("/")


def profile(request, username: str):
    user = queries.access_profile(request.user, username)
    if user is None:
        raise Http404
    can_see = queries.can_see_content(request.user, user)
    videos = video_queries.access_author_videos(request.user, user) if can_see else []
    return render(request, "accounts/profile.html", {
        "profile": user, "videos": videos, "is_me": request.user == user, "can_see": can_see,
        "relation": social_queries.relation(request.user, user) if request.user != user else None,
    })


@login_required
def edit_profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, request.FILES or None,
                       initial={"display_name": user.display_name, "bio": user.bio, "region": user.region})
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_profile(user, display_name=form.cleaned_data["display_name"],
                                   bio=form.cleaned_data["bio"], avatar=form.cleaned_data.get("avatar"),
                                   region=form.cleaned_data["region"])
        except ApiError as exc:
            form.add_error(None, exc.detail)
        else:
            return redirect("accounts:profile", username=user.username)
    return render(request, "accounts/edit.html", {"form": form}, status=400 if form.errors else 200)
