"""Media files: finding FFmpeg, probing files, decoding pictures for the preview.

- ``media.ffmpeg``: ``ffmpeg_exe()`` (``$VIDGEN_FFMPEG``, the bundled binary, PATH) and ``run``.
- ``media.probe``: ``probe(path) -> MediaInfo`` (satisfies ``composition.layout.MediaFacts``).
- ``media.frames``: ``load_image``, ``VideoFrames``, ``video_frames`` (OpenCV; imports cv2).
- ``media.samples``: sample media and small test files made with FFmpeg's generators.

Import the modules, not this package: ``from vidgen_desktop.media import probe``. Nothing is
imported here so that probing never pays for importing OpenCV.
"""
