"""The demo's clearinghouse replies: for the last 837P export, a 999 accepting it and a 277CA accepting every claim
but one, rejected for an invalid member ID (A7:164:IL); and the fix, made as 'claimkit client edit' saves it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path


def replies(home: Path) -> tuple[Path, str, str] | None:
    """Write the replies into home/inbox; (folder, the rejected claim, its client), or None when nothing was sent."""
    conn = sqlite3.connect(home / "ledger.db")
    try:
        export = conn.execute("SELECT id, gs06 FROM x12_exports ORDER BY id DESC LIMIT 1").fetchone()
        if export is None:
            return None
        claims = conn.execute("SELECT c.id, c.client, c.total_cents, c.snapshot FROM x12_export_claims e JOIN claims c"
                              " ON c.id = e.claim_id WHERE e.export_id = ? ORDER BY e.first_pos", (export[0],)).fetchall()
        st02s = [r[0] for r in conn.execute("SELECT st02 FROM x12_export_transactions WHERE export_id = ?", (export[0],))]
    finally:
        conn.close()
    from datetime import date, timedelta

    d1, d2 = date.today() - timedelta(days=1), date.today()
    y1, y2 = d1.strftime("%Y%m%d"), d2.strftime("%Y%m%d")
    folder = home / "inbox"
    folder.mkdir(mode=0o700, exist_ok=True)
    isa = "ISA*00*          *00*          *ZZ*DEMOCH         *ZZ*DEMO           *{d}*0900*^*00501*{c:09d}*0*T*:"
    body = ["ST*999*0001*005010X231A1", f"AK1*HC*{export[1]}*005010X222A1"]
    for st in st02s:
        body += [f"AK2*837*{st}*005010X222A1", "IK5*A"]
    body += [f"AK9*A*{len(st02s)}*{len(st02s)}*{len(st02s)}", ""]
    body[-1] = f"SE*{len(body)}*0001"
    text = [isa.format(c=501, d=y1[2:]), f"GS*FA*DEMOCH*DEMO*{y1}*0900*501*X*005010X231A1", *body, "GE*1*501", "IEA*1*000000501"]
    (folder / "DEMO_claims_999.999").write_text("~\n".join(text) + "~\n")
    rejected = claims[0]
    seg = ["ST*277*0001*005010X214", f"BHT*0085*08*502*{y2}*0900*TH", "HL*1**20*1",
           "NM1*AY*2*DEMO CLEARINGHOUSE*****46*DEMOCH", "TRN*1*502", f"DTP*050*D8*{y2}", f"DTP*009*D8*{y2}",
           "HL*2*1*21*1", "NM1*41*2*DEMO PRACTICE*****46*DEMO", "TRN*2*1", f"STC*A1:20*{y2}*WQ*0", "HL*3*2*19*1",
           "NM1*85*2*DEMO PRACTICE*****XX*1234567893"]
    for n, (cid, _client, cents, snapshot) in enumerate(claims, start=4):
        snap = json.loads(snapshot)
        day = snap["lines"][0]["date_from"].replace("-", "")
        stc = f"A7:164:IL*{y2}*U" if cid == rejected[0] else f"A2:20*{y2}*WQ"
        seg += [f"HL*{n}*3*PT", f"NM1*QC*1*{snap['patient']['last'].upper()}*{snap['patient']['first'].upper()}****MI*"
                f"{snap['billed']['member_id']}", f"TRN*2*{cid}", f"STC*{stc}*{cents / 100:.2f}", f"DTP*472*D8*{day}"]
    seg.append(f"SE*{len(seg) + 1}*0001")
    text = [isa.format(c=502, d=y2[2:]), f"GS*HN*DEMOCH*DEMO*{y2}*0900*502*X*005010X214", *seg, "GE*1*502", "IEA*1*000000502"]
    (folder / f"DEMO_claims_277ca_{y2}.txt").write_text("~".join(text) + "~")
    return folder, rejected[0], rejected[1]


def fix_member_id(home: Path, client_id: str) -> str:
    """The demo's fix: the member ID as the card really reads (what the user would type in 'claimkit client edit')."""
    from claimkit.records.practice import replace_client_file
    from claimkit.store.files import client_path
    from claimkit.store.workspace import Workspace

    path = client_path(home, client_id)
    raw = path.read_text()
    ws = Workspace.open(home)
    try:
        old = ws.client(client_id).policies[0].member_id
        new = old[:-1] + str((int(old[-1]) + 1) % 10) if old[-1:].isdigit() else old + "1"
        replace_client_file(ws, client_id, raw.replace(f'"{old}"', f'"{new}"', 1).encode())
    finally:
        ws.close()
    return f"{old} -> {new}"
