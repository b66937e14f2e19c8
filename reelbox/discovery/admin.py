from django.contrib import admin

from reelbox.discovery.models import Brand, Challenge, Hashtag


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    # Staff feature challenges here (or with PATCH /api/v1/challenges/{id} {"featured": true}).
    list_display = ("title", "hashtag", "starts_at", "ends_at", "featured", "sponsor")
    list_filter = ("featured",)
    list_editable = ("featured",)
    raw_id_fields = ("hashtag", "sponsor", "sound", "created_by")
    readonly_fields = ("finalized_at",)


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("user", "website", "can_create_challenges")
    raw_id_fields = ("user",)


@admin.register(Hashtag)
class HashtagAdmin(admin.ModelAdmin):
    list_display = ("name", "display", "video_count")
    search_fields = ("name",)
