from django.apps import AppConfig


class CaptionsConfig(AppConfig):
    name = "reelbox.captions"
    label = "captions"

    def ready(self) -> None:
        from reelbox.captions import receivers
        from reelbox.videos import signals

        signals.video_saved.connect(receivers.on_video_saved, dispatch_uid="captions.video_saved")
        signals.video_processed.connect(receivers.on_video_processed, dispatch_uid="captions.video_processed")
