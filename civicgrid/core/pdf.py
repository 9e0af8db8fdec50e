"""HTML to PDF with WeasyPrint, Chinese set in Noto Sans CJK SC (Debian's fonts-noto-cjk).

WeasyPrint needs Pango at run time; an installation without it (or without the package)
gets `PdfUnavailable`, which the view answers with a 503 that says what to install, instead
of a 500. The document fetches nothing: the stylesheet is handed over as a file and every
URL is refused, so text typed by a resident can never make the server fetch a URL.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.contrib.staticfiles import finders

PRINT_CSS = "css/report.css"


# WeasyPrint logs every rendering step at INFO: eleven lines per report in the server's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class PdfUnavailable(RuntimeError):
    pass


def render_pdf(html: str) -> bytes:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the package is there, Pango is not
        raise PdfUnavailable(str(exc)) from exc
    found = finders.find(PRINT_CSS)
    if not found:
        raise PdfUnavailable(f"The print stylesheet {PRINT_CSS} is missing.")
    css = Path(found if isinstance(found, str) else found[0]).read_text(encoding="utf-8")
    # No protocol allowed: every URL in the document or the stylesheet is refused.
    refuse = weasyprint.URLFetcher(allowed_protocols=())
    stylesheet = weasyprint.CSS(string=css, url_fetcher=refuse)
    document = weasyprint.HTML(string=html, url_fetcher=refuse, media_type="print")
    return bytes(document.write_pdf(stylesheets=[stylesheet]))
