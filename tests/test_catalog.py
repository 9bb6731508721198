"""The shipped catalogs (templates/codes, templates/cms1500/boxes.toml) and their loader claimkit.catalog."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from claimkit import catalog
from claimkit.core.resources import template

FORM_BOXES = (
    "carrier 1 1a 2 3 4 5 6 7 8 9 9a 9b 9c 9d 10a 10b 10c 10d 11 11a 11b 11c 11d 12 13 14 15 16 17 17a 17b 18 19 20 "
    "21 22 23 24A 24B 24C 24D 24E 24F 24G 24H 24I 24J 25 26 27 28 29 30 31 32 32a 32b 33 33a 33b"
).split()


# --------------------------------------------------------------------------------------------------- CPT


def test_psychotherapy_time_ranges():
    assert catalog.cpt("90832").min_minutes == 16
    assert catalog.cpt("90832").max_minutes == 37
    assert catalog.cpt("90834").min_minutes == 38
    assert catalog.cpt("90834").max_minutes == 52
    c = catalog.cpt("90837")
    assert c.min_minutes == 53
    assert c.max_minutes is None
    assert c.kind == "psychotherapy" and not c.addon
    assert c.fits_minutes(53) and not c.fits_minutes(52)
    assert catalog.cpt("90839").min_minutes == 30 and catalog.cpt("90839").max_minutes == 74
    assert catalog.cpt("90846").min_minutes == 26


def test_addon_needs_em_primary():
    c = catalog.cpt("90833")
    assert c.addon and c.kind == "psychotherapy_addon" and c.prescriber_only
    assert catalog.code_in("99213", c.requires_primary)
    assert catalog.code_in("99205", c.requires_primary)
    assert not catalog.code_in("90834", c.requires_primary)
    assert not catalog.code_in("99210", c.requires_primary)  # between the two ranges
    assert catalog.cpt("90840").requires_primary == ("90839",)
    assert "90837" in catalog.cpt("90785").requires_primary
    assert not catalog.cpt("90785").interactive_complexity_ok
    assert catalog.cpt("90837").interactive_complexity_ok
    assert not catalog.cpt("90839").interactive_complexity_ok


def test_cpt_catalog_contents():
    codes = catalog.cpt_codes()
    wanted = (
        "90791 90792 90832 90833 90834 90836 90837 90838 90839 90840 90845 90846 90847 90849 90853 90785 90863 96127 "
        "96130 96131 96132 96133 96136 96137 96138 96139 99202 99203 99204 99205 99211 99212 99213 99214 99215 "
        "H0004 H0031 H2011 H2019 G0444 99354 99355 99356 99357 99417 G2212"
    ).split()
    assert set(wanted) <= set(codes)
    assert catalog.cpt("90792").prescriber_only and not catalog.cpt("90791").prescriber_only
    assert catalog.cpt("99214").kind == "em" and catalog.cpt("99214").prescriber_only
    for code in ("99354", "99355", "99356", "99357"):
        c = catalog.cpt(code)
        assert c.deleted == date(2023, 1, 1)
        assert c.is_valid_on(date(2022, 12, 31)) and not c.is_valid_on(date(2023, 1, 1))
    assert catalog.cpt("90837").deleted is None
    kinds = {"psychotherapy", "psychotherapy_addon", "crisis", "crisis_addon", "family", "group", "evaluation",
             "addon", "em", "assessment", "testing", "hcpcs", "prolonged"}
    for c in codes.values():
        assert c.kind in kinds, c.code
        assert c.label and c.label.strip() == c.label
        if c.addon and c.kind not in ("prolonged",):
            assert c.requires_primary, c.code
    assert catalog.cpt(" 90837 ") == catalog.cpt("90837")
    assert catalog.cpt("h0004").code == "H0004"
    assert catalog.cpt("99999") is None


def test_lookups_return_frozen_records():
    c = catalog.cpt("90837")
    with pytest.raises(AttributeError):
        c.min_minutes = 1  # type: ignore[misc]
    d = catalog.cpt_codes()
    d.clear()
    assert catalog.cpt_codes()  # callers get a copy


# ------------------------------------------------------------------------------------ POS / modifiers / taxonomy


def test_pos_telehealth():
    assert catalog.pos("10").telehealth is True
    assert catalog.pos("02").telehealth is True
    assert catalog.pos("11").telehealth is False
    assert catalog.pos(2) == catalog.pos("02") == catalog.pos(" 2")
    assert catalog.pos("28") is None  # unassigned
    codes = catalog.pos_codes()
    for code in ("02", "03", "10", "11", "12", "19", "22", "49", "53", "99"):
        assert code in codes
    assert {c for c, p in codes.items() if p.telehealth} == {"02", "10"}
    assert len(codes) >= 50


def test_modifiers():
    for m in ("95", "GT", "GQ", "93", "FQ"):
        assert catalog.modifier(m).telehealth, m
    others = "59 XE XP XS XU 25 76 77 HO HN HP AH AJ HJ HA HZ U1 UD KX GA GY GZ SA 52 22".split()
    for m in others:
        assert catalog.modifier(m) is not None, m
        assert not catalog.modifier(m).telehealth, m
    assert catalog.modifier("gt").code == "GT"
    assert catalog.modifier("ZZ") is None


def test_taxonomy():
    assert catalog.taxonomy("1041C0700X").prescriber is False
    assert catalog.taxonomy("101yp2500x").code == "101YP2500X"
    assert catalog.taxonomy("2084P0800X").prescriber is True
    assert catalog.taxonomy("363LP0808X").prescriber is True
    for code in ("101Y00000X", "101YM0800X", "101YA0400X", "104100000X", "106H00000X", "103T00000X", "103TC0700X",
                 "364SP0808X", "106S00000X", "261QM0801X", "193200000X", "193400000X"):
        assert catalog.taxonomy(code) is not None, code
    assert catalog.taxonomy("101YP0004X") is None  # the blog-table code that NUCC does not have
    assert all(len(t.code) == 10 for t in catalog.taxonomies().values())


# --------------------------------------------------------------------------------------------------- CARC / RARC


def test_carc_forms_and_group():
    c = catalog.carc("CO-45")
    assert c.code == "45" and c.category == "contractual"
    assert c.group is not None and c.group.code == "CO" and not c.group.patient_billable
    assert catalog.carc("CO45") == c
    assert catalog.carc("co 45") == c
    no_group = catalog.carc("45")
    assert no_group.group is None and no_group.explain == c.explain
    assert catalog.carc("PR-1").category == "deductible"
    assert catalog.carc("PR-1").group.patient_billable
    assert catalog.carc("PR-2").category == "coinsurance"
    assert catalog.carc("3").patient_billable == "yes"
    assert catalog.carc("OA-23").group.code == "OA"
    assert catalog.carc("A1").code == "A1"
    assert catalog.carc("co-a1").group.code == "CO"
    assert catalog.carc("29").category == "timely filing"
    assert catalog.carc("197").category == "auth missing"
    assert catalog.carc("18").category == "duplicate"
    assert catalog.carc("22").category == "coordination of benefits"
    assert catalog.carc("9999") is None
    assert catalog.carc("nonsense") is None


def test_group_codes():
    assert catalog.group_code("co").who_owes == "provider"
    assert catalog.group_code("PR").patient_billable is True
    assert catalog.group_code("PI") is not None and catalog.group_code("OA") is not None
    assert catalog.group_code("CR").valid_5010 is False
    assert catalog.group_code("XX") is None


def test_carc_rarc_counts_and_required_codes():
    carcs = catalog.carc_codes()
    rarcs = catalog.rarc_codes()
    assert len(carcs) >= 60
    assert len(rarcs) >= 25
    required = (
        "1 2 3 4 5 6 9 11 16 18 22 23 24 26 27 29 31 32 39 40 45 49 50 51 55 58 59 89 94 96 97 100 104 107 109 119 129 "
        "131 132 140 146 149 150 151 155 167 170 171 172 177 181 182 183 185 187 189 197 198 199 204 222 226 227 234 "
        "236 242 243 252 253 273 A1 B7 B8 B9"
    ).split()
    assert [c for c in required if c not in carcs] == []
    assert catalog.rarc("n290").code == "N290"
    assert catalog.rarc("N122").category == "coding"
    assert catalog.rarc("XX1") is None


def test_explanations_are_ours_and_distinct():
    carcs = list(catalog.carc_codes().values())
    rarcs = list(catalog.rarc_codes().values())
    for rows in (carcs, rarcs):
        explains = [r.explain for r in rows]
        actions = [r.action for r in rows]
        assert len(set(explains)) == len(explains)
        for r in rows:
            assert r.explain.endswith(".") and r.action.endswith("."), r.code
            assert r.category
    allowed = {"yes", "no", "if_pr", None}
    assert all(c.patient_billable in allowed for c in carcs)
    assert len(set(actions)) > len(actions) // 2


# --------------------------------------------------------------------------------------------------- CMS-1500 boxes


def test_every_form_box_is_catalogued():
    ids = [b.id for b in catalog.boxes()]
    assert len(ids) == len(set(ids))
    assert [i for i in FORM_BOXES if i not in ids] == []
    for b in catalog.boxes():
        assert b.title.strip() and b.enter.strip(), b.id
        assert b.requirement in {"required", "conditional", "optional", "not_used", "reserved"}, b.id
        assert b.format and b.x12, b.id
        assert isinstance(b.size, int) and b.size >= 0
        if b.requirement != "reserved":
            assert b.print_key, b.id
        for key in b.print_key:
            assert key == key.strip() and " " not in key


def test_box_lookup():
    assert catalog.box("24j").id == "24J"
    assert catalog.box("24J") == catalog.box(" box 24j ")
    assert catalog.box("33A").id == "33a"
    assert catalog.box("CARRIER").id == "carrier"
    assert catalog.box("21").qualifiers[0].code == "0"
    assert catalog.box("8").requirement == "reserved"
    assert catalog.box("1a").requirement == "required"
    assert catalog.box("99") is None
    assert catalog.boxes()[0].id == "carrier"


# --------------------------------------------------------------------------------------------------- ICD-10-CM


def test_icd10_lookup():
    f411 = catalog.icd10("F41.1")
    assert f411 is not None and f411.billable and f411.code == "F411" and f411.dotted == "F41.1"
    assert "anxiety" in f411.description.lower()
    f41 = catalog.icd10("F41")
    assert f41 is not None and not f41.billable and f41.dotted == "F41"
    assert catalog.icd10("F43.10").billable
    assert not catalog.icd10("F43.1").billable
    assert catalog.icd10("XYZ") is None
    assert catalog.icd10("") is None
    assert catalog.icd10("F41.A") is None
    assert catalog.icd10("T74.11XA").billable
    assert catalog.icd10("t7411xa").dotted == "T74.11XA"
    assert catalog.icd10("A00.0").billable  # first code in the file
    assert catalog.icd10("Z99.89").billable  # near the end


def test_icd10_normalises_input():
    assert catalog.icd10("f411") == catalog.icd10("F41.1") == catalog.icd10(" f41.1 ")
    assert catalog.normalize_icd10(" f43.10 ") == "F4310"


def test_icd10_search():
    assert "F41.1" in [r.dotted for r in catalog.icd10_search("generalized anxiety")]
    assert "F41.1" in [r.dotted for r in catalog.icd10_search("Generalized  ANXIETY")]
    by_prefix = catalog.icd10_search("F43.1")
    assert [r.dotted for r in by_prefix] == ["F43.1", "F43.10", "F43.11", "F43.12"]
    assert len(catalog.icd10_search("disorder", limit=5)) == 5
    assert catalog.icd10_search("qqqzzz") == []
    assert catalog.icd10_search("", limit=5) == []
    assert "F43.10" in [r.dotted for r in catalog.icd10_search("post traumatic stress")]


def test_icd10_codeset_info():
    cs = catalog.icd10_codeset()
    assert cs.name == "ICD-10-CM"
    assert cs.effective_from == date(2025, 10, 1) and cs.effective_to == date(2026, 9, 30)
    assert cs.covers(date(2026, 5, 1)) and not cs.covers(date(2026, 10, 1))
    assert cs.count > 90_000 and 70_000 < cs.billable < cs.count


def test_icd10_file_is_sorted_and_well_formed():
    data = gzip.decompress(template("codes", "icd10cm.tsv.gz").read_bytes()).decode("utf-8")
    lines = data.splitlines()
    codes = [ln.split("\t", 1)[0] for ln in lines]
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes)) == catalog.icd10_codeset().count
    assert all(ln.count("\t") == 2 and ln.split("\t")[1] in ("0", "1") for ln in lines[:2000])
    assert template("codes", "icd10cm.tsv.gz").stat().st_size < 1_500_000


# --------------------------------------------------------------------------------------------------- purity


def test_import_is_lazy_and_pure():
    code = (
        "import sys\n"
        "from claimkit import catalog\n"
        "loaders = [catalog._toml, catalog._cpt, catalog._carc, catalog._boxes, catalog._icd_blob, catalog._icd_index]\n"
        "assert all(f.cache_info().currsize == 0 for f in loaders)\n"
        "assert not {'rich', 'typer'} & set(sys.modules)\n"
        "catalog.cpt('90837')\n"
        "assert catalog._icd_blob.cache_info().currsize == 0  # ICD data only loads when asked for\n"
    )
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env=env)


def test_codes_that_are_both_block_and_category_are_known():
    from claimkit import catalog

    for code in ("F99", "B20", "Z66", "R99"):
        found = catalog.icd10(code)
        assert found is not None and found.billable, code
