"""Staff routes of the risk context (roles risk and admin; the large-value report also for
auditors): alerts and their decisions, cases, decisions with evidence, rules as versioned
data, watch-list imports, the customer's risk rating, and the large-value report."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field, StrictBool, StrictStr
from sqlalchemy.exc import IntegrityError

from opendeposit import clock
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import AccountStatus, mask_id_number, mask_name
from opendeposit.accounts.holder import holder
from opendeposit.api import risk_schemas as rs
from opendeposit.api.admin import require
from opendeposit.api.deps import PlatformDep
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.schemas import PathId, Strict
from opendeposit.auth.service import Principal
from opendeposit.errors import NotFound, ValidationFailed
from opendeposit.money import format_amount
from opendeposit.payments import holds
from opendeposit.risk import aml, cases, lists, ruleset
from opendeposit.risk.domain import Action
from opendeposit.risk.service import forget_rules
from opendeposit.staff.service import Role

router = APIRouter(prefix="/admin/api/v1", tags=["admin: risk"], responses={
    401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA,
    422: ERROR_SCHEMA})

RiskOfficer = Annotated[Principal, require(Role.RISK)]
ReportReader = Annotated[Principal, require(Role.RISK, Role.AUDITOR)]
BLOCK_STATUS = AccountStatus.NON_COUNTER_SUSPENDED  # 暂停非柜面 (反电诈法 Art. 18)
Limit = Annotated[int, Query(ge=1, le=200)]
Before = Annotated[int | None, Query(ge=1, le=2**63 - 1)]


# --------------------------------------------------------------------------- alerts, cases


@router.get("/risk/alerts", response_model=rs.AlertPage)
async def list_alerts(
    who: RiskOfficer, p: PlatformDep,
    status: Annotated[Literal["open", "escalated", "dismissed", "blocked", "cleared"] | None,
                      Query()] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Limit = 50, before: Before = None,
) -> dict[str, Any]:
    """Alerts raised by rule hits, newest first, each with the rule, its version and the
    evidence; `before` is the id to continue below."""
    async with p.db.read() as conn:
        items = await cases.list_alerts(conn, status=status, customer_id=customer_id,
                                        limit=limit, before=before)
    return {"items": items, "next_before": items[-1]["id"] if len(items) == limit else None}


@router.get("/risk/alerts/{alert_id}", response_model=rs.AlertDetail)
async def get_alert(alert_id: PathId, who: RiskOfficer, p: PlatformDep) -> dict[str, Any]:
    """The alert with the whole decision (every hit, the facts looked at) and staff actions."""
    async with p.db.read() as conn:
        return await cases.alert_detail(conn, alert_id)


class AlertDecisionIn(Strict):
    decision: Literal["dismiss", "escalate", "block"]
    reason: StrictStr = Field(min_length=2, max_length=500)


@router.post("/risk/alerts/{alert_id}/decision", response_model=rs.AlertDetail)
async def decide_alert(alert_id: PathId, body: AlertDecisionIn, who: RiskOfficer,
                       p: PlatformDep) -> dict[str, Any]:
    """Dismiss, escalate (into the customer's suspicious-transaction case) or block: the
    customer's account goes to `non_counter_suspended` with the reason."""
    decision = cases.StaffDecision(body.decision)
    actor = f"staff:{who.id}"
    async with p.db.transaction() as conn:
        view = await cases.decide(conn, alert_id=alert_id, decision=decision,
                                  reason=body.reason, actor=actor, now=clock.utcnow())
        found = await holder(conn, view["customer_id"])
    view["account_status"] = None
    if decision is cases.StaffDecision.BLOCK and found is not None and found.account_id:
        await accounts.change_status(
            p, account_id=found.account_id, status=BLOCK_STATUS, actor=actor,
            reason=f"RISK_BLOCK alert {alert_id} ({view['rule']['code']}): {body.reason}")
        view["account_status"] = BLOCK_STATUS.value
    return view


@router.get("/risk/cases", response_model=dict[str, list[rs.CaseView]])
async def list_cases(who: RiskOfficer, p: PlatformDep,
                     status: Annotated[Literal["open", "blocked", "closed"] | None,
                                       Query()] = None,
                     limit: Limit = 50) -> dict[str, Any]:
    async with p.db.read() as conn:
        return {"items": await cases.list_cases(conn, status=status, limit=limit)}


@router.get("/risk/cases/{case_id}", response_model=rs.CaseDetail)
async def get_case(case_id: PathId, who: RiskOfficer, p: PlatformDep) -> dict[str, Any]:
    async with p.db.read() as conn:
        return await cases.case_detail(conn, case_id)


@router.get("/risk/decisions", response_model=rs.DecisionPage)
async def list_decisions(who: RiskOfficer, p: PlatformDep,
                         customer_id: Annotated[int, Query(ge=1, le=2**63 - 1)],
                         flagged: bool = False, limit: Limit = 50,
                         before: Before = None) -> dict[str, Any]:
    """Every judged login and move of a customer (why it was allowed, stepped up, held or
    blocked); `flagged=true` keeps those with a rule hit."""
    async with p.db.read() as conn:
        items = await cases.decisions_of_customer(conn, customer_id, limit=limit,
                                                  before=before, only_flagged=flagged)
    return {"items": items, "next_before": items[-1]["id"] if len(items) == limit else None}


@router.get("/risk/decisions/{decision_id}", response_model=rs.DecisionView)
async def get_decision(decision_id: PathId, who: RiskOfficer, p: PlatformDep) -> dict[str, Any]:
    async with p.db.read() as conn:
        return await cases.decision_detail(conn, decision_id)


@router.get("/risk/customers/{customer_id}", response_model=rs.CustomerRisk)
async def customer_risk(customer_id: PathId, who: RiskOfficer, p: PlatformDep) -> dict[str, Any]:
    """The customer's AML risk rating with its reasons and history, and their recent alerts."""
    async with p.db.read() as conn:
        if await holder(conn, customer_id) is None:
            raise NotFound()
        history = await aml.rating_history(conn, customer_id)
        alerts = await cases.alerts_of_customer(conn, customer_id)
    current = history[0] if history else {"level": "low", "reasons": ["NOT_RATED_YET"]}
    return {"customer_id": customer_id, "rating": current, "rating_history": history,
            "alerts": alerts}


# --------------------------------------------------------------------------- rules


@router.get("/risk/rules", response_model=dict[str, list[rs.RuleView]])
async def list_rules(who: RiskOfficer, p: PlatformDep) -> dict[str, Any]:
    """Every rule in force: code, version, action, thresholds (amounts as decimal strings)."""
    async with p.db.read() as conn:
        return {"items": await ruleset.rule_views(conn)}


@router.get("/risk/rules/{code}", response_model=rs.RuleVersions)
async def rule_versions(code: str, who: RiskOfficer, p: PlatformDep) -> dict[str, Any]:
    """All versions of one rule, newest first."""
    async with p.db.read() as conn:
        return {"code": code, "versions": await ruleset.versions(conn, code)}


class RuleIn(Strict):
    action: Literal["allow", "alert", "step_up", "hold", "block"] | None = None
    thresholds: dict[str, int | str] | None = Field(
        None, description="only the ones to change; amounts as decimal strings",
        examples=[{"min_amount": "80000.00", "card_age_days": 14}])
    enabled: StrictBool | None = None
    reason: StrictStr = Field(min_length=2, max_length=500)


@router.put("/risk/rules/{code}", response_model=rs.RuleView)
async def change_rule(code: str, body: RuleIn, who: RiskOfficer,
                      p: PlatformDep) -> dict[str, Any]:
    """A new version of the rule (versions are never edited); in force within seconds."""
    try:
        async with p.db.transaction() as conn:
            view = await ruleset.change(conn, code=code,
                                        action=Action(body.action) if body.action else None,
                                        thresholds=body.thresholds, enabled=body.enabled,
                                        reason=body.reason, actor=f"staff:{who.id}",
                                        now=clock.utcnow())
    except IntegrityError as exc:  # two changes of one rule at once: one wins
        raise ruleset.RuleChangedMeanwhile() from exc
    forget_rules()  # again after the commit: nobody cached the old version meanwhile
    return view


# --------------------------------------------------------------------------- watch lists

ListPath = Literal["id_number", "phone", "card", "device"]


class ListUploadMissing(ValidationFailed):
    code = "RISK_LIST_FILE_REQUIRED"
    message_en = "Send the CSV as a multipart `file` or as a text/csv body."
    message_zh = "请上传CSV名单文件。"


async def _csv_body(request: Request) -> bytes:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ListUploadMissing()
        return await upload.read()
    data = await request.body()
    if not data:
        raise ListUploadMissing()
    return data


CSV_BODY = {"requestBody": {"content": {
    "text/csv": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}}}}


@router.post("/risk/lists/{list_name}", response_model=rs.ListImportResult,
             openapi_extra=CSV_BODY)
async def import_list(list_name: ListPath, who: RiskOfficer, p: PlatformDep, request: Request,
                      mode: Literal["add", "replace"] = "add") -> dict[str, Any]:
    """Import a watch list CSV (header `value[,reason][,source]`). Every line is checked
    first; any bad line → 422 RISK_LIST_INVALID with the lines, and nothing is written."""
    data = await _csv_body(request)
    now = clock.utcnow()
    async with p.db.transaction() as conn:
        result = await lists.import_list(conn, vault=p.vault, name=lists.ListName(list_name),
                                         data=data, mode=mode, actor=f"staff:{who.id}", now=now)
        await accounts.audit(conn, actor=f"staff:{who.id}", action="risk.list.import",
                             subject=f"risk_list:{list_name}",
                             detail=f"{mode}: {result.rows} rows, {result.added} added, "
                                    f"{result.deactivated} deactivated")
        for customer_id in result.customers_hit:
            await aml.rerate(conn, customer_id=customer_id, trigger="watchlist", now=now)
    return {"import_id": result.import_id, "list": list_name, "mode": mode,
            "rows": result.rows, "added": result.added, "deactivated": result.deactivated,
            "customers_hit": len(result.customers_hit)}


@router.get("/risk/lists/{list_name}", response_model=rs.ListSummary)
async def list_summary(list_name: ListPath, who: RiskOfficer, p: PlatformDep) -> dict[str, Any]:
    async with p.db.read() as conn:
        return await lists.summary(conn, lists.ListName(list_name))


# --------------------------------------------------------------------------- large value

CSV_COLUMNS = ["business_date", "customer_id", "name_masked", "id_number_masked", "direction",
               "total", "transaction_id", "amount", "kind"]


@router.get("/reports/large-value", response_model=rs.LargeValueReport,
            responses={200: {"content": {"text/csv": {}}}})
async def large_value(who: ReportReader, p: PlatformDep, request: Request,
                      day: Annotated[date, Query(alias="date")]) -> Any:
    """Large-value transaction report of a business date (§6.2): one line per customer and
    direction with the day's cumulated total ≥ 500,000.00. JSON, or CSV with
    `Accept: text/csv`. `produced` is false until EOD has written the day's report."""
    async with p.db.read() as conn:
        lines, produced = await aml.large_value_report(conn, day)
        people = {x.customer_id: await holder(conn, x.customer_id) for x in lines}
    items = []
    for x in lines:
        h = people[x.customer_id]
        name = h.name(p.vault) if h else None
        number = h.id_number(p.vault) if h else None
        items.append({"customer_id": x.customer_id,
                      "name_masked": mask_name(name) if name else None,
                      "id_number_masked": mask_id_number(number) if number else None,
                      "business_date": x.business_date.isoformat(), "direction": x.direction,
                      "total": format_amount(x.total), "transactions": [
                          {"id": t.id, "amount": format_amount(t.amount), "kind": t.kind}
                          for t in x.transactions]})
    if "text/csv" in request.headers.get("accept", ""):
        return Response(_csv(items), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="large-value-{day}.csv"'})
    return {"business_date": day.isoformat(), "produced": produced, "items": items}


def _csv(items: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for it in items:
        for t in it["transactions"]:
            w.writerow([it["business_date"], it["customer_id"], it["name_masked"],
                        it["id_number_masked"], it["direction"], it["total"], t["id"],
                        t["amount"], t["kind"]])
    return out.getvalue()


# --------------------------------------------------------------------------- held moves


class HoldDecisionIn(Strict):
    reason: StrictStr = Field(min_length=2, max_length=500)


@router.get("/holds")
async def list_holds(who: RiskOfficer, p: PlatformDep,
                     status: Annotated[Literal["held", "released", "returned"] | None,
                                       Query()] = None,
                     limit: Limit = 50, before: Before = None) -> dict[str, Any]:
    """Money moves a risk rule held (`202 held`), newest first; `decision_id` leads to the
    rule hits and their evidence (`GET /risk/decisions/{id}`)."""
    async with p.db.read() as conn:
        return {"items": await holds.list_holds(conn, status=status, limit=limit,
                                                before=before)}


@router.post("/holds/{hold_id}/release")
async def release_hold(hold_id: PathId, body: HoldDecisionIn, who: RiskOfficer,
                       p: PlatformDep) -> dict[str, Any]:
    """Let a held withdrawal go on to the bound card (audited); `transfer` is the card
    network's answer, as the customer's call with the same key now replays it."""
    return await holds.release(db=p.db, vault=p.vault, cards=p.cards,
                               bank_name=p.settings.bank_name, hold_id=hold_id,
                               actor=f"staff:{who.id}", reason=body.reason)


@router.post("/holds/{hold_id}/return")
async def return_hold(hold_id: PathId, body: HoldDecisionIn, who: RiskOfficer,
                      p: PlatformDep) -> dict[str, Any]:
    """Return a held withdrawal to the customer's Class II balance (audited)."""
    return await holds.return_(db=p.db, vault=p.vault, hold_id=hold_id,
                               actor=f"staff:{who.id}", reason=body.reason)
