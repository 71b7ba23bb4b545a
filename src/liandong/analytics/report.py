"""Periodic evaluation report (评估报告): index scores as HTML with inline SVG charts and as PDF; evaluator export."""

from __future__ import annotations

import csv
import hashlib
import hmac
import html
import io
import itertools
import json
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liandong.analytics.evaluation import DEFAULT_SYSTEMS, EvaluationReport, evaluate, load_index_system
from liandong.analytics.forecast import local_time
from liandong.analytics.models import KpiDaily
from liandong.analytics.rollup import check_range, day_bounds, known_platform
from liandong.analytics.schemas import EvaluationRequest
from liandong.analytics.service import KpiFilter, kpi_summary, region_prefix
from liandong.config import get_settings
from liandong.core.errors import Conflict, InvalidInput
from liandong.core.timeutil import utcnow
from liandong.incident.enums import INCIDENT_CATEGORIES
from liandong.incident.models import PoliceIncident
from liandong.reference.models import Organisation
from liandong.workorder.models import WorkOrder

FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "WenQuanYi Micro Hei"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei"),
)
MAX_EXPORT_ROWS = 1_000_000


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a rendered report shows."""

    report: EvaluationReport
    start: date
    end: date
    daily: list[tuple[str, int, int]]  # day, received, completed
    generated_at: str


def build(*, session: Session, req: EvaluationRequest) -> ReportData:
    """Score the period's KPIs (from the rollups) against the index system."""
    check_range(req.start, req.end)
    system = load_index_system(req.config) if req.config else DEFAULT_SYSTEMS[req.platform]
    if system.platform != req.platform:
        raise InvalidInput("config", f"index system is for {system.platform}, not {req.platform}")
    flt = KpiFilter(
        start=req.start, end=req.end, platform=req.platform, unit_id=req.unit_id, adcode=req.adcode
    )
    values = kpi_summary(session=session, flt=flt)
    subject = f"{req.platform}平台"
    if req.unit_id is not None:
        unit = session.get(Organisation, req.unit_id)
        if unit is None:
            raise InvalidInput("unit_id", f"unknown organisation {req.unit_id}")
        subject += f" · {unit.name}"
    if req.adcode:
        subject += f" · 区划{region_prefix(req.adcode)}"
    period = f"{req.start.isoformat()} 至 {req.end.isoformat()}"
    report = evaluate(system=system, kpis=values, subject=subject, period=period)
    stmt = (
        select(KpiDaily.day, func.sum(KpiDaily.received), func.sum(KpiDaily.completed))
        .where(KpiDaily.day >= req.start, KpiDaily.day <= req.end, KpiDaily.platform == req.platform)
        .group_by(KpiDaily.day)
        .order_by(KpiDaily.day)
    )
    if req.unit_id is not None:
        stmt = stmt.where(KpiDaily.unit_id == req.unit_id)
    if req.adcode:
        stmt = stmt.where(KpiDaily.adcode.startswith(region_prefix(req.adcode)))
    daily = [(str(d)[:10], int(r or 0), int(c or 0)) for d, r, c in session.execute(stmt)]
    return ReportData(report, req.start, req.end, daily, utcnow().isoformat(timespec="seconds"))


def to_json(data: ReportData) -> dict[str, Any]:
    out = asdict(data.report)
    out.update(
        start=data.start.isoformat(),
        end=data.end.isoformat(),
        daily=data.daily,
        generated_at=data.generated_at,
    )
    return out


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def svg_scores(report: EvaluationReport, width: int = 640) -> str:
    """Horizontal bars of each index's 0-100 score."""
    row, left = 26, 170
    height = row * len(report.indices) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="指标得分">'
    ]
    for i, idx in enumerate(report.indices):
        y = 10 + i * row
        score = idx.score or 0.0
        bar = (width - left - 60) * score / 100
        colour = "#2e7d32" if score >= 80 else "#f9a825" if score >= 60 else "#c62828"
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="13">{_esc(idx.name)}</text>'
        )
        parts.append(f'<rect x="{left}" y="{y}" width="{bar:.1f}" height="18" fill="{colour}"/>')
        label = "无数据" if idx.score is None else f"{idx.score:.1f}"
        parts.append(f'<text x="{left + bar + 6:.1f}" y="{y + 15}" font-size="12">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_daily(daily: list[tuple[str, int, int]], width: int = 640, height: int = 200) -> str:
    """Daily received (blue) and completed (green) as two polylines."""
    if not daily:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    top = max(max(r, c) for _, r, c in daily) or 1
    step = (width - 50) / max(len(daily) - 1, 1)

    def points(col: int) -> str:
        return " ".join(
            f"{40 + i * step:.1f},{height - 20 - (int(row[col]) / top) * (height - 40):.1f}"
            for i, row in enumerate(daily)
        )

    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="每日受理与办结">'
        f'<line x1="40" y1="{height - 20}" x2="{width - 10}" y2="{height - 20}" stroke="#999"/>'
        f'<text x="4" y="24" font-size="11">{top}</text><text x="4" y="{height - 22}" font-size="11">0</text>'
        f'<polyline fill="none" stroke="#1565c0" stroke-width="2" points="{points(1)}"/>'
        f'<polyline fill="none" stroke="#2e7d32" stroke-width="2" points="{points(2)}"/>'
        f'<text x="40" y="{height - 4}" font-size="11">{_esc(daily[0][0])}</text>'
        f'<text x="{width - 10}" y="{height - 4}" font-size="11" text-anchor="end">{_esc(daily[-1][0])}</text>'
        "</svg>"
    )


def to_html(data: ReportData) -> str:
    """A self-contained HTML report (no scripts, no external resources)."""
    r = data.report
    rows = "".join(
        f"<tr><td>{_esc(i.name)}</td><td>{_esc(i.key)}</td><td>{'—' if i.value is None else f'{i.value:.2%}'}</td>"
        f"<td>{'—' if i.score is None else i.score}</td><td>{i.weight:g}</td><td>{i.contribution}</td></tr>"
        for i in r.indices
    )
    total = "—" if r.total is None else f"{r.total:.2f}"
    missing = (
        f"<p>缺少数据的指标（权重已按其余指标重新归一）：{_esc('、'.join(r.missing))}</p>"
        if r.missing
        else ""
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{_esc(r.system)} 评估报告</title>
<style>body{{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}
td:first-child,th:first-child{{text-align:left}}.total{{font-size:1.4em}}</style></head><body>
<h1>{_esc(r.system)} 评估报告</h1>
<p>评价对象：{_esc(r.subject)}　评价期间：{_esc(r.period)}　生成时间：{_esc(data.generated_at)}</p>
<p class="total">综合得分：<strong>{total}</strong>　等级：<strong>{_esc(r.grade)}</strong></p>
{missing}
<h2>指标得分</h2>{svg_scores(r)}
<h2>指标明细</h2><table><tr><th>指标</th><th>代码</th><th>数值</th><th>得分</th><th>权重</th><th>贡献</th></tr>{rows}</table>
<h2>每日受理（蓝）与办结（绿）</h2>{svg_daily(data.daily)}
<p>口径见 docs/kpis.md；数据来自每日汇总表 kpi_daily。</p>
</body></html>"""


@lru_cache(maxsize=1)
def find_font() -> tuple[str, int]:
    """A CJK font file and its index in a collection (settings.report_font first, then Debian's packages)."""
    configured = get_settings().report_font
    candidates = [(str(configured), "")] if configured else []
    candidates += list(FONT_CANDIDATES)
    for path, family in candidates:
        if not Path(path).is_file():
            continue
        if not path.endswith(".ttc"):
            return path, 0
        from fontTools.ttLib import TTCollection

        collection = TTCollection(path, lazy=True)
        try:
            names = [f["name"].getDebugName(1) for f in collection.fonts]
        finally:
            collection.close()
        return path, names.index(family) if family in names else 0
    raise Conflict("no CJK font for PDF reports: install fonts-noto-cjk or set LIANDONG_REPORT_FONT")


def to_pdf(data: ReportData) -> bytes:
    """The report as PDF (fpdf2 with an installed CJK font), with the score bars drawn natively."""
    from fpdf import FPDF

    path, index = find_font()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    pdf.add_page()
    r = data.report
    pdf.set_font("cjk", size=16)
    pdf.cell(0, 10, f"{r.system} 评估报告", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(0, 6, f"评价对象：{r.subject}　评价期间：{r.period}　生成时间：{data.generated_at}")
    total = "—" if r.total is None else f"{r.total:.2f}"
    pdf.set_font("cjk", size=13)
    pdf.cell(0, 9, f"综合得分：{total}　等级：{r.grade}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    for idx in r.indices:
        y = pdf.get_y()
        pdf.cell(50, 7, idx.name)
        score = idx.score or 0.0
        colour = (46, 125, 50) if score >= 80 else (249, 168, 37) if score >= 60 else (198, 40, 40)
        pdf.set_fill_color(*colour)
        pdf.rect(62, y + 1.5, 100 * score / 100, 4.5, style="F")
        value = "—" if idx.value is None else f"{idx.value:.2%}"
        pdf.set_x(166)
        pdf.cell(
            0,
            7,
            f"{'无数据' if idx.score is None else idx.score} 分 ({value})",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if r.missing:
        pdf.multi_cell(0, 6, "缺少数据的指标：" + "、".join(r.missing))
    if data.daily:
        pdf.ln(3)
        pdf.cell(0, 7, "每日受理（蓝）与办结（绿）", new_x="LMARGIN", new_y="NEXT")
        top = max(max(a, b) for _, a, b in data.daily) or 1
        x0, y0, w, h = 15.0, pdf.get_y() + 40, 180.0, 38.0
        step = w / max(len(data.daily) - 1, 1)
        for col, colour in ((1, (21, 101, 192)), (2, (46, 125, 50))):
            pdf.set_draw_color(*colour)
            pts = [(x0 + i * step, y0 - int(row[col]) / top * h) for i, row in enumerate(data.daily)]
            for (xa, ya), (xb, yb) in itertools.pairwise(pts):
                pdf.line(xa, ya, xb, yb)
        pdf.set_y(y0 + 3)
        pdf.cell(0, 6, f"{data.daily[0][0]} … {data.daily[-1][0]}，峰值 {top}")
    return bytes(pdf.output())


def _pseudonym(kind: str, value: object) -> str:
    """Keyed hash of a record id: stable within this deployment, meaningless outside it."""
    key = hmac.new(get_settings().secret_key.encode(), b"liandong-evaluation-export", hashlib.sha256).digest()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:20]


def _minutes(a: Any, b: Any) -> int | None:
    return None if a is None or b is None else int((b - a).total_seconds() // 60)


def evaluator_rows(*, session: Session, platform: str, start: date, end: date) -> list[dict[str, Any]]:
    """De-identified records for third-party evaluators: no names, phones, texts or addresses below county."""
    known_platform(platform)
    check_range(start, end, max_days=92)
    lo, hi = day_bounds(start, end)
    out: list[dict[str, Any]] = []
    if platform == "12345":
        wo = WorkOrder
        wo_stmt = (
            select(wo).where(wo.accepted_at >= lo, wo.accepted_at < hi).order_by(wo.id).limit(MAX_EXPORT_ROWS)
        )
        for o in session.scalars(wo_stmt.execution_options(yield_per=2000)):
            out.append({
                "id": _pseudonym("work_order", o.id), "platform": "12345", "day": local_time(o.accepted_at).date().isoformat(),
                "adcode": (o.adcode or "")[:6], "category": o.category or "", "request_type": o.request_type,
                "urgency": o.urgency, "unit_id": o.handling_unit_id, "status": o.status,
                "minutes_to_sign": _minutes(o.dispatched_at, o.signed_at),
                "minutes_to_complete": _minutes(o.accepted_at, o.completed_at),
                "on_time": None if o.completed_at is None else o.completed_at <= o.due_at,
                "satisfaction": o.satisfaction, "reopen_count": o.reopen_count,
            })  # fmt: skip
        return out
    inc = PoliceIncident
    stmt = (
        select(inc)
        .where(inc.reported_at >= lo, inc.reported_at < hi, inc.confidential.is_(False))
        .order_by(inc.id)
        .limit(MAX_EXPORT_ROWS)
    )
    for i in session.scalars(stmt.execution_options(yield_per=2000)):
        out.append({
            "id": _pseudonym("incident", i.id), "platform": "110", "day": local_time(i.reported_at).date().isoformat(),
            "adcode": (i.adcode or "")[:6], "category": INCIDENT_CATEGORIES.get(i.category_code, i.category_code),
            "priority": i.priority, "unit_id": i.jurisdiction_unit_id, "status": i.status,
            "minutes_to_dispatch": _minutes(i.reported_at, i.dispatched_at),
            "minutes_to_arrive": _minutes(i.dispatched_at, i.arrived_at),
            "minutes_to_resolve": _minutes(i.reported_at, i.resolved_at),
        })  # fmt: skip
    return out


def rows_to_text(rows: list[dict[str, Any]], fmt: str) -> str:
    """CSV (header from the first row) or JSON lines."""
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if not rows:
        return ""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows([{k: ("" if v is None else v) for k, v in r.items()} for r in rows])
    return buf.getvalue()
