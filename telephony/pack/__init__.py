"""Meeting packs: a PCN's findings for an LMC or PCN board, as one self-contained HTML file and
one PowerPoint file with native charts. `content.build` says what the pack holds (disclosure
control always on); `html.render` and `pptx.render` write it. No Streamlit here."""

from __future__ import annotations

from pathlib import Path

from telephony.pack.content import Pack, PackError, build

__all__ = ["Pack", "PackError", "build", "write"]


def write(pack: Pack, out_dir: str | Path) -> tuple[Path, Path]:
    """Write the pack's HTML and PPTX into `out_dir` (made if absent); return their paths."""
    from telephony.pack import html, pptx

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / f"{pack.file_stem}.html"
    pptx_path = out / f"{pack.file_stem}.pptx"
    html_path.write_text(html.render(pack), encoding="utf-8")
    pptx_path.write_bytes(pptx.render(pack))
    return html_path, pptx_path
