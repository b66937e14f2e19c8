"""Reelbox's media layer: probing, transcoding, HLS packaging and images.

Pure Python on top of ffmpeg (subprocess) and PyAV; nothing here imports
Django, so it can be tested and reused on its own. Import the submodules
directly (``from reelbox.media import probe``); this package re-exports nothing
so that importing it stays cheap.
"""
