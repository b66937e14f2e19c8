"""Admin tables for the policy staff edit: rules, watched words, banks, switches; decisions and the audit
log are read-only here (the audit log cannot be changed anywhere)."""

from django.contrib import admin

from reelbox.moderation.models import AuditEntry, Decision, HashBank, Rule, SiteControl, WatchedWord


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("label", "threshold", "outcome", "min_trust", "enabled")
    list_editable = ("threshold", "outcome", "min_trust", "enabled")


@admin.register(WatchedWord)
class WatchedWordAdmin(admin.ModelAdmin):
    list_display = ("pattern", "is_regex", "label", "language")

    def save_model(self, request, obj, form, change):
        from django.core.exceptions import ValidationError

        from reelbox.moderation import engine

        try:
            engine.check_words([(obj.pattern, obj.is_regex, obj.label, obj.language)])
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        super().save_model(request, obj, form, change)


@admin.register(HashBank)
class HashBankAdmin(admin.ModelAdmin):
    list_display = ("name", "mode", "rollout_ratio", "category", "outcome")


@admin.register(SiteControl)
class SiteControlAdmin(admin.ModelAdmin):
    list_display = ("uploads_paused", "comments_paused", "review_uploads", "hold_untrusted_below", "announcement")


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Decision)
class DecisionAdmin(ReadOnly):
    list_display = ("puid", "action", "target_type", "target_id", "category", "automated_decision", "application_date")


@admin.register(AuditEntry)
class AuditAdmin(ReadOnly):
    list_display = ("created_at", "actor_id", "action", "target_type", "target_id")
