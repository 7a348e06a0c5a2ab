"""NACE Rev. 1.1 sections and divisions used to roll EXIOBASE 3 codes up product -> division -> section -> TOTAL."""

import re

# EXIOBASE 3 codes are built on NACE Rev. 1.1 (the EU twin of ISIC Rev. 3.1),
# so its section letters A..Q are the ones that apply, not NACE Rev. 2's A..U.
SECTIONS: dict[str, str] = {
    "A": "Agriculture, hunting and forestry",
    "B": "Fishing",
    "C": "Mining and quarrying",
    "D": "Manufacturing",
    "E": "Electricity, gas and water supply",
    "F": "Construction",
    "G": "Wholesale and retail trade; repair of motor vehicles, motorcycles "
         "and personal and household goods",
    "H": "Hotels and restaurants",
    "I": "Transport, storage and communication",
    "J": "Financial intermediation",
    "K": "Real estate, renting and business activities",
    "L": "Public administration and defence; compulsory social security",
    "M": "Education",
    "N": "Health and social work",
    "O": "Other community, social and personal service activities",
    "P": "Activities of households",
    "Q": "Extra-territorial organizations and bodies",
}

# Only the divisions that occur in EXIOBASE 3 (pxp and ixi share the same 60);
# NACE Rev. 1.1 divisions 96 and 97 exist but EXIOBASE has no sector for them.
DIVISIONS: dict[str, tuple[str, str]] = {
    "01": ("Agriculture, hunting and related service activities", "A"),
    "02": ("Forestry, logging and related service activities", "A"),
    "05": ("Fishing, fish farming and related service activities", "B"),
    "10": ("Mining of coal and lignite; extraction of peat", "C"),
    "11": ("Extraction of crude petroleum and natural gas; service activities "
           "incidental to oil and gas extraction, excluding surveying", "C"),
    "12": ("Mining of uranium and thorium ores", "C"),
    "13": ("Mining of metal ores", "C"),
    "14": ("Other mining and quarrying", "C"),
    "15": ("Manufacture of food products and beverages", "D"),
    "16": ("Manufacture of tobacco products", "D"),
    "17": ("Manufacture of textiles", "D"),
    "18": ("Manufacture of wearing apparel; dressing and dyeing of fur", "D"),
    "19": ("Tanning and dressing of leather; manufacture of luggage, handbags, "
           "saddlery, harness and footwear", "D"),
    "20": ("Manufacture of wood and of products of wood and cork, except "
           "furniture; manufacture of articles of straw and plaiting materials", "D"),
    "21": ("Manufacture of pulp, paper and paper products", "D"),
    "22": ("Publishing, printing and reproduction of recorded media", "D"),
    "23": ("Manufacture of coke, refined petroleum products and nuclear fuel", "D"),
    "24": ("Manufacture of chemicals and chemical products", "D"),
    "25": ("Manufacture of rubber and plastic products", "D"),
    "26": ("Manufacture of other non-metallic mineral products", "D"),
    "27": ("Manufacture of basic metals", "D"),
    "28": ("Manufacture of fabricated metal products, except machinery and equipment", "D"),
    "29": ("Manufacture of machinery and equipment n.e.c.", "D"),
    "30": ("Manufacture of office machinery and computers", "D"),
    "31": ("Manufacture of electrical machinery and apparatus n.e.c.", "D"),
    "32": ("Manufacture of radio, television and communication equipment and apparatus", "D"),
    "33": ("Manufacture of medical, precision and optical instruments, watches and clocks", "D"),
    "34": ("Manufacture of motor vehicles, trailers and semi-trailers", "D"),
    "35": ("Manufacture of other transport equipment", "D"),
    "36": ("Manufacture of furniture; manufacturing n.e.c.", "D"),
    "37": ("Recycling", "D"),
    "40": ("Electricity, gas, steam and hot water supply", "E"),
    "41": ("Collection, purification and distribution of water", "E"),
    "45": ("Construction", "F"),
    "50": ("Sale, maintenance and repair of motor vehicles and motorcycles; "
           "retail sale of automotive fuel", "G"),
    "51": ("Wholesale trade and commission trade, except of motor vehicles and motorcycles", "G"),
    "52": ("Retail trade, except of motor vehicles and motorcycles; "
           "repair of personal and household goods", "G"),
    "55": ("Hotels and restaurants", "H"),
    "60": ("Land transport; transport via pipelines", "I"),
    "61": ("Water transport", "I"),
    "62": ("Air transport", "I"),
    "63": ("Supporting and auxiliary transport activities; activities of travel agencies", "I"),
    "64": ("Post and telecommunications", "I"),
    "65": ("Financial intermediation, except insurance and pension funding", "J"),
    "66": ("Insurance and pension funding, except compulsory social security", "J"),
    "67": ("Activities auxiliary to financial intermediation", "J"),
    "70": ("Real estate activities", "K"),
    "71": ("Renting of machinery and equipment without operator and of personal "
           "and household goods", "K"),
    "72": ("Computer and related activities", "K"),
    "73": ("Research and development", "K"),
    "74": ("Other business activities", "K"),
    "75": ("Public administration and defence; compulsory social security", "L"),
    "80": ("Education", "M"),
    "85": ("Health and social work", "N"),
    # Waste treatment sectors (incineration, landfill, biogas, composting,
    # waste water) are subdivisions of 90.
    "90": ("Sewage and refuse disposal, sanitation and similar activities", "O"),
    "91": ("Activities of membership organizations n.e.c.", "O"),
    "92": ("Recreational, cultural and sporting activities", "O"),
    "93": ("Other service activities", "O"),
    "95": ("Activities of households as employers of domestic staff", "P"),
    # EXIOBASE's own ixi ISIC hint files this under ISIC_L; NACE/ISIC put it in Q.
    "99": ("Extra-territorial organizations and bodies", "Q"),
}

# "p" = pxp product, "i" = ixi industry; the two digits are the NACE division and
# anything after is EXIOBASE's own refinement (".a", ".20.11", ".w.1", ...).
_CODE_RE = re.compile(r"^([pi])(\d{2})(?:\..*)?$")


def division_code(code: str) -> str | None:
    """Return the division node code ("p13.20.11" -> "p13"), or None if not a known EXIOBASE code."""
    if not isinstance(code, str):
        return None
    m = _CODE_RE.match(code)
    if m is None or m.group(2) not in DIVISIONS:
        return None
    return m.group(1) + m.group(2)


def section_of(code: str) -> str | None:
    """Return the NACE Rev. 1.1 section letter of a product/industry or division code ("p15.c" -> "D")."""
    div = division_code(code)
    if div is None:
        return None
    return DIVISIONS[div[1:]][1]
