"""The demo's payer: answers the demo's 270 for casey with a 271 that changes her deductible (synthetic, fictional)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from claimkit.store.workspace import Workspace


def answer_demo_inquiry(ws: Workspace, inquiry: Path, target: Path) -> Path:
    """A 271 answering every inquiry of `inquiry`: active, coinsurance 20%, deductible 500 with 120 left,
    out-of-pocket 600 with 250 left, in network."""
    from claimkit.eligibility.request import provider
    from claimkit.eligibility.x12_271 import Reply, answers_for_270, eb, write_271
    from claimkit.store.home import write_output

    today = date.today()
    lines = (eb("1", "IND", "30", plan="BLUEPEAK PPO DEMO"),
             eb("1", "IND", "MH", "C1", "BLUEPEAK PPO DEMO"),
             eb("A", "IND", "MH", percent="0.2", network="Y"),
             eb("C", "IND", "MH", period="23", amount="500", network="Y"),
             eb("C", "IND", "MH", period="29", amount="120", network="Y"),
             eb("G", "IND", "MH", period="23", amount="600", network="Y"),
             eb("G", "IND", "MH", period="29", amount="250", network="Y"))
    replies = [Reply(inq, lines, plan_begin=date(today.year, 1, 1), group="BP-DEMO")
               for inq in answers_for_270(inquiry.read_bytes())]
    text = write_271(replies, provider(ws), when=datetime.now(), control=1)
    write_output(target, text.encode("ascii"))
    return target
