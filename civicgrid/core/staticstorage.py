"""How static files are collected: names with a hash of their content (so browsers may keep
them for a year: whitenoise marks them immutable), each text file stored beside a gzip and a
brotli copy, which whitenoise sends to browsers that accept them. Production and the demo
both collect this way (`civicgrid collectstatic`, run by `civicgrid demo` itself).

Brotli at its highest quality takes about 4 s per MB here, against 0.2 s at quality 9 for a
result 10 % larger: STATIC_BROTLI_QUALITY sets it (11 in production, where collecting happens
once per release; 9 in the demo, which collects on its first start). Source maps are only
read by developer tools and are not compressed.
"""

from __future__ import annotations

from typing import Any

import brotli
from django.conf import settings
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class _Compressor(Compressor):
    @staticmethod
    def compress_brotli(data: bytes) -> bytes:
        return brotli.compress(data, quality=settings.STATIC_BROTLI_QUALITY)


class StaticStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs: Any) -> Compressor:
        return _Compressor(**kwargs)
