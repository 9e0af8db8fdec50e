"""QR codes (SVG and PNG) that open the intake pre-bound to a node or a person, via segno."""

from __future__ import annotations

import io

import segno

from civicgrid.network.models import NodeKind, Role

# Kinds of node a QR code may bind the intake to, and the roles whose holders have their own.
QR_NODE_KINDS = (
    NodeKind.TOWN,
    NodeKind.COMMUNITY,
    NodeKind.BIG_GRID,
    NodeKind.SMALL_GRID,
    NodeKind.UNIT,
)
QR_PERSON_ROLES = (Role.REPRESENTATIVE, Role.PROVIDER, Role.GRID_WORKER)


def qr_svg(url: str, *, scale: int = 8, scalable: bool = False) -> str:
    """`scalable=True` drops the fixed width and height for a viewBox, so that CSS can size
    the code (inline in a poster) without cropping it."""
    out = io.BytesIO()
    # High error correction: posters get creased, rained on and half covered by tape.
    segno.make(url, error="h").save(
        out, kind="svg", scale=scale, border=2, xmldecl=False, omitsize=scalable
    )
    return out.getvalue().decode()


def qr_png(url: str, *, scale: int = 10) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="h").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
