"""Generate the demo humanitarian situation report PDF for the Sitrep eval corpus.

Fictional demo material. Run with: /work/main/.venv/bin/python eval/make_demo_pdf.py
"""

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

OUTLET = "Humanitarian Coordination Office - NE Syria"
DATE = "2019-02-14"
TITLE = f"Humanitarian Coordination Office - NE Syria Situation Report No. 7 ({DATE})"
OUT = Path(__file__).resolve().parent / "corpus" / "humanitarian" / f"{DATE}-sitrep-07.pdf"

PARAGRAPHS = [
    ("h", "Highlights"),
    (
        "p",
        "The population of the al-Hol camp reached 39,200 people on 13 February 2019, the "
        "Humanitarian Coordination Office - NE Syria (HCO-NES) said.",
    ),
    (
        "p",
        "HCO-NES said about 37,900 people had reached SDF screening points from the ISIL-held "
        "pocket near Baghuz between 1 December 2018 and 13 February 2019.",
    ),
    (
        "p",
        "HCO-NES said 49 people, most of them children under five, had died on the way to al-Hol "
        "or shortly after arriving at al-Hol between 1 December 2018 and 13 February 2019.",
    ),
    ("h", "Situation overview"),
    (
        "p",
        "The Syrian Democratic Forces announced the start of a final assault on the ISIL-held "
        "area at Baghuz Fawqani on 9 February 2019, after a pause of about ten days during which "
        "people were allowed to leave, HCO-NES said.",
    ),
    (
        "p",
        "Several hundred people a day reached the SDF screening site east of Baghuz in the first "
        "two weeks of February 2019. On 11 February 2019 about 1,500 people arrived at the "
        "screening site in a single convoy of 17 trucks, HCO-NES said.",
    ),
    (
        "p",
        "Men and older boys are separated from women and younger children at the SDF screening "
        "site east of Baghuz for security checks. HCO-NES said humanitarian partners do not have "
        "access to the men held for screening.",
    ),
    (
        "p",
        "Many people arriving from Baghuz in February had shrapnel wounds, exposure to cold and "
        "signs of starvation, HCO-NES said. The truck journey from the screening site to al-Hol "
        "is about 300 km.",
    ),
    ("h", "Needs and response"),
    (
        "p",
        "HCO-NES coordinator Ingrid Solberg said on 14 February 2019 that al-Hol was almost twice "
        "over its planned capacity of 20,000 people. Ingrid Solberg said partners had received "
        "only 40 percent of the funding requested for the al-Hol response.",
    ),
    (
        "p",
        "Partners set up a mobile clinic at the SDF screening site east of Baghuz on 10 February "
        "2019, HCO-NES said. The mobile clinic treated 310 patients in its first four days.",
    ),
    (
        "p",
        "HCO-NES called on all parties to the fighting at Baghuz Fawqani to allow civilians to "
        "leave safely and to allow humanitarian staff to reach people at the screening site.",
    ),
]


def main() -> None:
    pdf = FPDF(format="A4")
    pdf.set_title(TITLE)
    pdf.set_author(OUTLET)
    pdf.set_creation_date(datetime(2019, 2, 14, 12, 0, tzinfo=UTC))
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 7, TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, f"Source: {OUTLET}", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, f"Date: {DATE}", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, "URL: https://demo.invalid/hco-nes/sitrep-07", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    for kind, text in PARAGRAPHS:
        if kind == "h":
            pdf.set_font("Helvetica", "B", 12)
        else:
            pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(5)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(OUT))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
