"""Regenerate examples/ict_example.pdf, the bundled example (committed; deterministic).

Three A4 pages from dicmodel._pdfgen.sample_report(): headings, prose citing the figures, a
bullet list, a vector call flow (UE/eNB/MME), a raster architecture figure and its repeat, a
table, a vector network topology captioned in Chinese, a running header with a logo and a
footer with page numbers (which conversion drops).

    python examples/make_example.py
"""

from pathlib import Path

from dicmodel._pdfgen import sample_report


def main() -> None:
    out = Path(__file__).resolve().parent / "ict_example.pdf"
    out.write_bytes(sample_report().data)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
