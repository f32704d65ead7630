import re
from typing import Annotated

from pydantic import AfterValidator

from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Image, Link, Toggle

# Only a file we host or an https address: no iframes, no other players' pages, no data: URLs.
VIDEO_URL = re.compile(r"^(?:https://[^\s<>\"']+|/media/[^\s<>\"']+|)$")


def _check_video_url(value):
    if not VIDEO_URL.match(value):
        raise ValueError("a video must be an upload (/media/…) or an https:// address")
    return value


class VideoSettings(BlockSettings):
    url: Annotated[Link(N_("Video file (upload or https:// address)")), AfterValidator(_check_video_url)]
    poster: Image(N_("Cover image"))
    autoplay_muted: Toggle(N_("Play automatically, muted"), default=False)


register(BlockType(name="video", label=N_("Video"), icon="▶", settings=VideoSettings, group="basic",
                   max_per_page=5))
