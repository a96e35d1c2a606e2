"""Economic sectors: the 21 sections of NACE Rev. 2.

Source: Regulation (EC) No 1893/2006 establishing the statistical classification of economic
activities NACE Revision 2, Annex I, and Eurostat's "NACE Rev. 2 - Statistical
classification of economic activities in the European Community" (Methodologies and Working
papers, 2008); the section titles are copied in English as published there. Only the
sections (the letters A to U) are used: an organisation records the section of its main
activity, a case pins it when it is opened, and an accreditation lists the sections it
covers.

Pure: no Flask, no database; the titles are translatable messages.
"""

from __future__ import annotations

from .messages import N_, Message

SECTIONS: dict[str, Message] = {
    "A": N_("Agriculture, forestry and fishing"),
    "B": N_("Mining and quarrying"),
    "C": N_("Manufacturing"),
    "D": N_("Electricity, gas, steam and air conditioning supply"),
    "E": N_("Water supply; sewerage, waste management and remediation activities"),
    "F": N_("Construction"),
    "G": N_("Wholesale and retail trade; repair of motor vehicles and motorcycles"),
    "H": N_("Transportation and storage"),
    "I": N_("Accommodation and food service activities"),
    "J": N_("Information and communication"),
    "K": N_("Financial and insurance activities"),
    "L": N_("Real estate activities"),
    "M": N_("Professional, scientific and technical activities"),
    "N": N_("Administrative and support service activities"),
    "O": N_("Public administration and defence; compulsory social security"),
    "P": N_("Education"),
    "Q": N_("Human health and social work activities"),
    "R": N_("Arts, entertainment and recreation"),
    "S": N_("Other service activities"),
    "T": N_(
        "Activities of households as employers; undifferentiated goods- and "
        "services-producing activities of households for own use"
    ),
    "U": N_("Activities of extraterritorial organisations and bodies"),
}

CODES: tuple[str, ...] = tuple(SECTIONS)


def is_section(code: object) -> bool:
    return isinstance(code, str) and code in SECTIONS


def title(code: str) -> Message:
    """The section's title; KeyError for anything but a letter A to U."""
    return SECTIONS[code]


def label(code: str | None) -> Message:
    """``C - Manufacturing``; an unknown or missing code is shown as it is."""
    if code is None or code not in SECTIONS:
        return N_("%(code)s (not a NACE Rev. 2 section)", code=code or "-")
    return N_("%(code)s - %(title)s", code=code, title=SECTIONS[code])
