"""HTML of the desk's pages: one small stylesheet, no external files, readable from 360 px up."""
from __future__ import annotations

import json
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from bot.services.desk import Overview, Questions
from bot.services.reports import Period
from bot.text import fmt_datetime, one_line, shorten
from bot.texts import desk as T
from bot.web.charts import bar_chart

CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
 color:#1b1b1b;background:#f4f4f2}
header{background:#b71c1c;color:#fff;padding:10px 14px}
header h1{font-size:18px;margin:0}
header p{margin:2px 0 0;font-size:13px;opacity:.9}
header form.out{display:inline;margin-left:8px}
header form.out button{background:none;border:1px solid #fff;color:#fff;border-radius:4px;
 font:inherit;font-size:12px;padding:1px 6px;cursor:pointer}
main{max-width:980px;margin:0 auto;padding:10px}
section{background:#fff;border-radius:8px;padding:10px 12px;margin:0 0 12px;
 box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:16px;margin:0 0 8px}
a{color:#0d47a1}
.crumbs{font-size:13px;margin:0 0 8px;overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:8px;margin:0 0 12px}
.card{background:#fff;border-radius:8px;padding:8px 10px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card b{display:block;font-size:22px}
.card span{font-size:12px;color:#555}
.period{display:flex;flex-wrap:wrap;gap:6px;align-items:center;font-size:14px;margin:0 0 10px}
.period a,.period button{padding:4px 8px;border:1px solid #bbb;border-radius:6px;
 background:#fff;text-decoration:none;color:#1b1b1b;font:inherit}
.period a.on{background:#b71c1c;color:#fff;border-color:#b71c1c}
.period input{width:9em;max-width:100%;padding:4px;font:inherit}
table{width:100%;border-collapse:collapse;table-layout:fixed;font-size:14px}
th,td{padding:5px 4px;border-bottom:1px solid #e4e4e4;text-align:right;overflow-wrap:anywhere}
th:first-child,td:first-child{text-align:left;width:46%}
tfoot td{font-weight:bold}
.chart{display:block;max-width:640px;margin:8px 0 0}
.muted{color:#666;font-size:13px}
ul.q{list-style:none;margin:0;padding:0}
ul.q li{padding:6px 0;border-bottom:1px solid #e4e4e4;overflow-wrap:anywhere}
.held{color:#8a5a00;font-size:13px}
.refusal{max-width:520px;margin:40px auto;background:#fff;border-left:5px solid #b71c1c;
 padding:14px 16px;border-radius:6px}
.btn{display:inline-block;padding:8px 14px;background:#b71c1c;color:#fff;border:0;
 border-radius:6px;text-decoration:none;font:inherit}
.ok{color:#1b5e20}
form.answer{margin:6px 0 0}
form.answer textarea{display:block;box-sizing:border-box;width:100%;max-width:640px;font:inherit;
 margin:4px 0}
form.answer select,form.answer input:not([type=checkbox]){box-sizing:border-box;width:100%;max-width:640px;font:inherit}
form.inline{display:inline-block;margin:4px 6px 0 0}
form.inline input,form.inline select{font:inherit;max-width:150px}
"""

# Reads Telegram's `#tgWebAppData=…` itself (telegram.org's script is never loaded) and trades
# it for a session cookie; whatever the page showed is removed first, so a refusal shows no data.
SIGNIN_JS = """
(function(){
 function signin(){
  var p=new URLSearchParams(location.hash.slice(1)),d=p.get('tgWebAppData');
  var m=document.getElementById('main');
  if(!d){if(m.dataset.signin){m.innerHTML=%(signin)s;}return;}
  var hd=document.querySelector('header');if(hd){hd.remove();}
  m.innerHTML='<p class="muted">'+%(wait)s+'</p>';
  fetch('api/session',{method:'POST',body:d,credentials:'same-origin',
   headers:{'Content-Type':'text/plain','X-Loa-Signin':'1'}}).then(function(r){
   if(r.ok){location.replace(location.href.split('#')[0]);return;}
   return r.text().then(function(t){m.innerHTML=t;});
  }).catch(function(){m.innerHTML=%(signin)s;});
 }
 signin();
 window.addEventListener('hashchange',signin);
})();
"""

SILENT_SHOWN = 60   # a province can have hundreds of silent chi bộ: the rest are counted



def _js(value: str) -> str:
    """A JS string literal that cannot close the script element it sits in."""
    return json.dumps(value).replace("</", "<\\/")


def page(title: str, body: str, nonce: str, header: str = "", signin: bool = False,
         root: str = "") -> str:
    """A whole page; every page carries the sign-in script (a Mini App may open any of them).

    Links are relative to `<base href="root/">`: the desk may sit under a path of the reverse
    proxy (LOA_WEB_URL=https://example.vn/desk)."""
    script = SIGNIN_JS % {"signin": _js(refusal_box("signin")), "wait": _js(escape(T.SIGNING_IN))}
    marker = ' data-signin="1"' if signin else ""
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<base href="{escape(root)}/">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f'{header}<main id="main"{marker}>{body}</main>'
        f'<script nonce="{nonce}">{script}</script></body></html>')


def refusal_box(reason: str) -> str:
    head, text = T.REFUSAL.get(reason, T.REFUSAL["signin"])
    return (f'<div class="refusal" id="refusal" data-reason="{escape(reason)}">'
            f"<h2>{escape(head)}</h2><p>{escape(text)}</p></div>")


def refusal_page(reason: str, nonce: str, root: str = "") -> str:
    return page(T.REFUSAL.get(reason, T.REFUSAL["signin"])[0], refusal_box(reason), nonce,
                root=root)


def signin_page(nonce: str, root: str = "") -> str:
    """What a visitor without a session sees: the script signs a Mini App in, else a refusal."""
    return page(T.TITLE, f'<noscript>{escape(T.NOSCRIPT)}</noscript>'
                         f'<p class="muted">{escape(T.SIGNING_IN)}</p>', nonce, signin=True,
                root=root)


def link_page(token: str, owner: str, board: str, nonce: str, root: str = "") -> str:
    """The one-time link's landing page: whose desk it opens, and a button. A GET spends
    nothing (a link preview), and nobody is signed in to someone else's account without
    seeing whose it is and choosing to (login CSRF)."""
    body = (f'<form id="go" method="post" action="dangnhap">'
            f'<p>{escape(T.LINK_AS.format(name=owner or "?", board=board))}</p>'
            f'<input type="hidden" name="t" value="{escape(token)}">'
            f'<button class="btn" type="submit">{escape(T.LINK_CONTINUE)}</button>'
            f'<p class="muted">{escape(T.LINK_NOT_YOU)}</p></form>')
    return page(T.TITLE, body, nonce, root=root)


# ---------------------------------------------------------------- periods
def _key(p: Period) -> str:
    """The period as the `?ky=` parameter (read back by parse_period)."""
    return _shift(p, 0)


def _shift(p: Period, step: int) -> str:
    if p.kind == "month":
        n = p.year * 12 + p.number - 1 + step
        return f"{n // 12}-{n % 12 + 1:02d}"
    if p.kind == "quarter":
        n = p.year * 4 + p.number - 1 + step
        return f"{n // 4}-Q{n % 4 + 1}"
    if p.kind == "half":
        n = p.year * 2 + p.number - 1 + step
        return f"H{n % 2 + 1}/{n // 2}"   # Period.key "2026-H1" is not read back by parse_period
    return str(p.year + step)


def _period_bar(p: Period, today: date, base: str) -> str:
    here = {"month": f"{today.year}-{today.month:02d}",
            "quarter": f"{today.year}-Q{(today.month - 1) // 3 + 1}", "year": str(today.year)}
    links = [f'<a href="{base}?ky={_shift(p, -1)}">{escape(T.PERIOD_PREV)}</a>']
    for kind, label in (("month", T.PERIOD_MONTH), ("quarter", T.PERIOD_QUARTER),
                        ("year", T.PERIOD_YEAR)):
        on = ' class="on"' if _key(p) == here[kind] else ""
        links.append(f'<a{on} href="{base}?ky={here[kind]}">{escape(label)}</a>')
    links.append(f'<a href="{base}?ky={_shift(p, 1)}">{escape(T.PERIOD_NEXT)}</a>')
    form = (f'<form method="get" action="{base}" class="period">'
            f'<input name="ky" aria-label="{escape(T.PERIOD_INPUT)}" '
            f'placeholder="{escape(T.PERIOD_INPUT)}" value="{escape(_key(p))}">'
            f'<button type="submit">{escape(T.PERIOD_GO)}</button></form>')
    return f'<nav class="period" id="period">{"".join(links)}{form}</nav>'


# ---------------------------------------------------------------- the overview
def _header(title: str, viewer: str, label: str) -> str:
    out = (f'<form class="out" method="post" action="dangxuat">'
           f'<button type="submit" id="signout">{escape(T.SIGN_OUT)}</button></form>')
    who = f"<p>{escape(T.VIEWER.format(name=viewer))} {out}</p>" if viewer else ""
    return (f"<header><h1>{escape(T.TITLE)} · {escape(title)}</h1>"
            f"<p>{escape(T.PERIOD.format(label=label))}</p>{who}</header>")


def _card(value: object, label: str, key: str) -> str:
    return f'<div class="card" id="card-{key}"><b>{value}</b><span>{escape(label)}</span></div>'


def overview_page(ov: Overview, today: date, tz: ZoneInfo, nonce: str, now: datetime,
                  root: str = "", csrf: str = "", notice: str = "", quizzes=()) -> str:
    base = "./" if ov.unit_id is None else f"donvi/{ov.unit_id}"
    q = f"?ky={_key(ov.period)}"
    crumbs = " › ".join(
        escape(c.name) if c.unit_id == ov.unit_id else
        f'<a href="{"./" if c.unit_id is None else f"donvi/{c.unit_id}"}{q}">{escape(c.name)}</a>'
        for c in ov.crumbs)
    label = ov.period.label
    members = T.MEMBERS + (T.MEMBERS_ZALO.format(n=ov.zalo_members) if ov.zalo_members else "")
    cards = ('<div class="cards">' + _card(ov.members, members, "members")
             + _card(ov.units, T.UNITS, "units") + _card(ov.count, T.REPORTS, "reports")
             + _card(ov.participants, T.PARTICIPANTS, "participants")
             + _card(f"{ov.reported}/{ov.expected}", T.SHARE, "share") + "</div>")
    unit_q = f"&donvi={ov.unit_id}" if ov.unit_id is not None else ""
    files = (f'<p id="exports" class="muted">{escape(T.EXPORTS)} '
             + " · ".join(f'<a href="xuat/{k}{q}{unit_q}">{escape(label)}</a>'
                          for k, label in (("xlsx", T.EXPORT_XLSX), ("csv", T.EXPORT_CSV),
                                           ("docx", T.EXPORT_DOCX))) + "</p>")
    body = [_flash(notice),
            f'<p class="crumbs">{crumbs}</p>' if len(ov.crumbs) > 1 else "",
            _period_bar(ov.period, today, base), cards, files]
    # Reports per child unit
    if ov.rows:
        trs = []
        for r in ov.rows:
            name = escape(r.name)
            if r.unit_id is not None and r.unit_id != ov.unit_id:
                name = f'<a href="donvi/{r.unit_id}{q}">{name}</a>'
            trs.append(f'<tr data-unit="{r.unit_id or ""}"><td>{name}</td>'
                       f'<td class="count">{r.count}</td><td class="people">{r.participants}</td>'
                       f'<td>{r.reported}/{r.units}</td></tr>')
        table = (f'<table id="reports"><thead><tr><th>{escape(T.COL_UNIT)}</th>'
                 f'<th>{escape(T.COL_COUNT)}</th><th>{escape(T.COL_PEOPLE)}</th>'
                 f'<th>{escape(T.COL_REPORTED)}</th></tr></thead><tbody>{"".join(trs)}</tbody>'
                 f'<tfoot><tr><td>{escape(T.TOTAL)}</td><td>{ov.count}</td>'
                 f'<td>{ov.participants}</td><td>{ov.reported}/{ov.expected}</td></tr></tfoot>'
                 f'</table>')
        chart = bar_chart([(r.name, r.count) for r in ov.rows], T.CHART_TITLE)
        reports = table + chart
    else:
        reports = f'<p class="muted">{escape(T.NO_CHILDREN)}</p>'
    body.append(f'<section><h2>{escape(T.REPORTS_HEAD.format(period=label))}</h2>{reports}'
                f'</section>')
    # Units expected to report that have not (leaf units, with their path below this one)
    if ov.silent:
        items = ", ".join(f'<a href="donvi/{u.unit_id}{q}">{escape(u.name)}</a>'
                          for u in ov.silent[:SILENT_SHOWN])
        more = len(ov.silent) - SILENT_SHOWN
        if more > 0:
            items += escape(T.MISSING_MORE.format(count=more))
        missing = f'<p id="missing-list">{items}</p>'
    else:
        missing = f'<p class="muted">{escape(T.MISSING_NONE)}</p>'
    if ov.expected:
        body.append(f'<section id="missing"><h2>{escape(T.MISSING_HEAD.format(period=label))}'
                    f' ({len(ov.silent)})</h2>{missing}</section>')
    # Last broadcasts: acknowledgement per child unit
    panels = []
    for b in ov.broadcasts:
        rows = "".join(
            f'<tr data-unit="{r.unit_id or ""}"><td>{escape(r.name)}</td>'
            f'<td class="received">{r.received}</td><td class="acked">{r.acked}</td>'
            f'<td class="pending">{r.pending}</td></tr>' for r in b.rows)
        line = T.BROADCAST_LINE.format(id=b.id, at=fmt_datetime(b.at, tz),
                                       text=shorten(one_line(b.text), 120))
        remind = (f'<form method="post" action="phatdi/{b.id}/nhac">{_hidden("csrf", csrf)}'
                  f'<button type="submit" class="btn">'
                  f'{escape(T.BTN_REMIND.format(n=b.pending))}</button></form>'
                  if csrf and b.pending else "")
        panels.append(
            f'<div class="broadcast" id="broadcast-{b.id}"><p>{escape(line)}</p>{remind}'
            f'<table><thead><tr><th>{escape(T.COL_UNIT)}</th><th>{escape(T.COL_RECEIVED)}</th>'
            f'<th>{escape(T.COL_ACKED)}</th><th>{escape(T.COL_PENDING)}</th></tr></thead>'
            f'<tbody>{rows}</tbody><tfoot><tr><td>{escape(T.TOTAL)}</td>'
            f'<td>{b.received}</td><td>{b.acked}</td><td>{b.pending}</td></tr></tfoot>'
            f'</table></div>')
    body.append(f'<section id="broadcasts"><h2>{escape(T.BROADCASTS_HEAD)}</h2>'
                f'{"".join(panels) or f"<p class=muted>{escape(T.BROADCASTS_NONE)}</p>"}'
                f'</section>')
    if quizzes:   # quizzes open now: how many took each, the results one click away
        from bot.texts import quizzes as TQZ
        rows = "".join(f'<li><a href="tracnghiem/{info.id}">{escape(TQZ.DESK_ROW.format(title=info.title, status=TQZ.STATUS.get(info.status, ""), count=info.count, took=took))}</a></li>'
                       for info, took in quizzes)
        body.append(f'<section id="open-quizzes"><h2>{escape(TQZ.DESK_HEAD.format(count=len(quizzes)))}</h2>'
                    f'<ul class="q">{rows}</ul></section>')
    # Questions waiting for the board
    body.append(f'<section id="questions"><h2>'
                f'{escape(T.QUESTIONS_HEAD.format(total=ov.questions_total))}</h2>'
                f'{_question_list(ov.questions, tz)}'
                f'<p><a href="cauhoi">{escape(T.QUESTIONS_ALL)}</a></p></section>'
                f'<p id="actions"><a class="btn" href="phatdi">{escape(T.BROADCAST_LINK)}</a> · '
                f'<a href="tochuc">{escape(T.UNITS_LINK)}</a> · '
                f'<a href="vanban">{escape(T.DOCS_LINK)}</a> · '
                f'<a href="phananh">{escape(T.REFLECTIONS_LINK)}</a> · '
                f'<a href="tracnghiem">{escape(T.QUIZZES_LINK)}</a> · '
                f'<a href="nhatky">{escape(T.AUDIT_LINK)}</a></p>')
    body.append(f'<p class="muted">{escape(T.FOOTER.format(at=fmt_datetime(now, tz)))}</p>')
    return page(f"{T.TITLE} · {ov.title}", "".join(body), nonce,
                header=_header(ov.title, ov.viewer, label), root=root)


def _answer_form(qid: int, csrf: str, can_escalate: bool = False) -> str:
    """A board member answers here: the answer goes to the asker on their channel; a unit's
    board may pass the question up instead."""
    label = escape(T.ANSWER_LABEL.format(id=qid))
    up = (f'<form method="post" action="cauhoi/{qid}/chuyenlen" style="margin-top:4px">'
          f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
          f'<button type="submit" class="btn" style="background:#666">{escape(T.BTN_ESCALATE)}'
          f'</button></form>') if can_escalate else ""
    return (f'<form class="answer" method="post" action="cauhoi/{qid}/traloi">'
            f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
            f'<label for="a{qid}" class="muted">{label}</label>'
            f'<textarea id="a{qid}" name="text" rows="3" maxlength="3000" required '
            f'placeholder="{escape(T.ANSWER_PLACEHOLDER)}"></textarea>'
            f'<button type="submit" class="btn">{escape(T.BTN_ANSWER)}</button></form>{up}')


def _question_list(items, tz: ZoneInfo, csrf: str = "",
                   can_escalate: bool = False) -> str:
    if not items:
        return f'<p class="muted">{escape(T.QUESTIONS_NONE)}</p>'
    lis = []
    for q in items:
        meta = T.QUESTION_META.format(asker=q.asker or "–", unit=q.unit or "–",
                                      at=fmt_datetime(q.created_at, tz))
        held = f'<br><span class="held">{escape(T.QUESTION_HELD)}</span>' if q.held else ""
        form = _answer_form(q.id, csrf, can_escalate) if csrf else ""
        lis.append(f'<li data-question="{q.id}"{" data-held" if q.held else ""}>'
                   f'{escape(shorten(one_line(q.text), 300))}<br>'
                   f'<span class="muted">{escape(meta)}</span>{held}{form}</li>')
    return f'<ul class="q">{"".join(lis)}</ul>'


def _back_links() -> str:
    """The line above a desk page: back to the overview, and the log of what the board did."""
    return f'<p><a href="./">{escape(T.BACK)}</a> · <a href="nhatky">{escape(T.AUDIT_LINK)}</a></p>'


def _file_form(action: str, form_id: str, token: str, field_id: str, label: str, accept: str, button: str,
               extra: str = "") -> str:
    """A form that sends one file: its label, the file field, `extra` fields (markup) and its button."""
    return (f'<form class="answer" method="post" action="{action}" enctype="multipart/form-data" id="{form_id}">'
            f'{token}<label class="muted" for="{field_id}">{escape(label)}</label>'
            f'<input id="{field_id}" type="file" name="file" accept="{accept}" required '
            f'style="display:block;margin:4px 0">{extra}<button type="submit" class="btn">{escape(button)}</button>'
            f'</form>')


def _flash(notice: str = "", error: str = "") -> str:
    """What the last action did (green), or why it was refused (amber)."""
    return (f'<p class="ok" id="flash">{escape(notice)}</p>' if notice else "") + (
        f'<p class="held" id="form-error">{escape(error)}</p>' if error else "")


def _answered_list(answered, tz: ZoneInfo, csrf: str) -> str:
    if not answered:
        return f'<p class="muted">{escape(T.ANSWERED_NONE)}</p>'
    lis = []
    for a in answered:
        keep = (f'<span class="muted">{escape(T.IN_FAQ.format(id=a.faq_id))}</span>' if a.faq_id else
                f'<form method="post" action="cauhoi/{a.id}/hoidap" class="inline">{_hidden("csrf", csrf)}'
                f'<button type="submit" class="btn">{escape(T.BTN_SAVE_FAQ)}</button></form>')
        lis.append(f'<li data-answered="{a.id}">{escape(T.ANSWERED_LINE.format(id=a.id, text=shorten(one_line(a.text), 200)))}'
                   f'<br><span class="muted">{escape(T.ANSWERED_REPLY.format(answer=shorten(one_line(a.answer), 300)))}'
                   f' · {escape(fmt_datetime(a.answered_at, tz)) if a.answered_at else ""}</span><br>{keep}</li>')
    return f'<ul class="q">{"".join(lis)}</ul>'


def questions_page(qs: Questions, bot_username: str, tz: ZoneInfo, nonce: str,
                   root: str = "", csrf: str = "", notice: str = "", error: str = "",
                   answered=()) -> str:
    chat = (f'<p><a class="btn" id="open-chat" href="https://t.me/{escape(bot_username)}">'
            f'{escape(T.OPEN_CHAT)}</a></p>') if bot_username else ""
    flash = _flash(notice, error)
    body = (f'<p><a href="./">{escape(T.BACK)}</a> · <a href="hoidap">{escape(T.FAQ_LINK)}</a> · '
            f'<a href="nhatky">{escape(T.AUDIT_LINK)}</a></p>'
            f'{flash}<section id="questions">'
            f'<h2>{escape(T.QUESTIONS_HEAD.format(total=qs.total))}</h2>{chat}'
            f'{_question_list(qs.items, tz, csrf, qs.can_escalate)}'
            f'</section><section id="answered"><h2>{escape(T.ANSWERED_HEAD.format(count=len(answered)))}'
            f'</h2>{_answered_list(answered, tz, csrf)}</section>')
    header = (f"<header><h1>{escape(T.TITLE)} · {escape(qs.title)}</h1>"
              + (f"<p>{escape(T.VIEWER.format(name=qs.viewer))}</p>" if qs.viewer else "")
              + "</header>")
    return page(f"{T.TITLE} · {qs.title}", body, nonce, header=header, root=root)


def board_page(title: str, body: str, nonce: str, root: str = "") -> str:
    """A page of the board's work, headed with the desk's name and the board's."""
    header = f"<header><h1>{escape(T.TITLE)} · {escape(title)}</h1></header>"
    return page(f"{T.TITLE} · {title}", body, nonce, header=header, root=root)


def error_page(message: str, nonce: str, root: str = "") -> str:
    """An action refused for a reason its own page cannot show (the reason, a way back)."""
    return board_page("", f'<p><a href="./">{escape(T.BACK)}</a></p>{_flash(error=message)}',
                      nonce, root)


def audit_page(lines, title: str, tz: ZoneInfo, nonce: str, root: str = "") -> str:
    """The board's log of actions (its own and its boards'), newest first."""
    if lines:
        items = "".join(
            f'<li>{escape(T.AUDIT_LINE.format(at=fmt_datetime(a.at, tz), who=a.who or T.AUDIT_CLI, board=a.board, action=T.AUDIT_ACTIONS.get(a.action, a.action), target=a.target, via=T.AUDIT_VIA.get(a.channel, a.channel)))}'
            f'<br><span class="muted">{escape(shorten(one_line(a.detail), 300))}</span></li>'
            for a in lines)
        listing = f'<ul class="q" id="audit">{items}</ul>'
    else:
        listing = f'<p class="muted" id="audit">{escape(T.AUDIT_NONE)}</p>'
    body = (f'<p><a href="./">{escape(T.BACK)}</a></p>'
            f'<section><h2>{escape(T.AUDIT_HEAD.format(count=len(lines)))}</h2>{listing}</section>')
    return board_page(title, body, nonce, root)


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'


def _action(action: str, token: str, label: str, carried: str = "") -> str:
    """A grey one-button form beside a row (stop, revoke, pass up…): POST with the CSRF token
    (`token` is its hidden input) and `carried` hidden inputs."""
    return (f'<form method="post" action="{escape(action)}" class="inline">{token}{carried}'
            f'<button type="submit" class="btn" style="background:#666">{escape(label)}</button>'
            f'</form>')


def broadcast_page(units, title: str, csrf: str, nonce: str, root: str = "", text: str = "",
                   chosen: frozenset = frozenset(), when: str = "", notice: str = "",
                   error: str = "", waiting=(), local=str, media: str = "", about=None) -> str:
    """Write a broadcast: the text (a caption with a photo or file), the units (none: everyone
    in the scope), now or a set time."""
    boxes = "".join(
        f'<label style="display:block;margin-left:{12 * u.depth}px">'
        f'<input type="checkbox" name="unit" value="{u.id}"{" checked" if u.id in chosen else ""}> '
        f'{escape(T.BROADCAST_UNIT.format(name=u.name, members=u.members))}</label>'
        for u in units)
    flash = _flash(notice, error)
    attached = (f'<p class="muted" id="attached">{escape(T.BROADCAST_ATTACHED.format(name=media, kind=T.MEDIA_KIND.get(_media_kind(media), "")))}</p>'
                if media else "")
    body = (f'<p><a href="./">{escape(T.BACK)}</a></p>{flash}<section id="broadcast">'
            f'<h2>{escape(T.BROADCAST_HEAD)}</h2>'
            f'<form class="answer" method="post" action="phatdi/xemtruoc" enctype="multipart/form-data">'
            f'{_hidden("csrf", csrf)}{_hidden("media", media) if media else ""}'
            f'{_hidden("phananh", str(about.id)) if about else ""}{_about_note(about)}'
            f'<label for="bt" class="muted">{escape(T.BROADCAST_TEXT)}</label>'
            f'<textarea id="bt" name="text" rows="6" maxlength="4000">{escape(text)}</textarea>'
            f'<label for="bf" class="muted">{escape(T.BROADCAST_FILE)}</label>'
            f'<input id="bf" type="file" name="tep" accept=".jpg,.jpeg,.png,.pdf,.doc,.docx,.xls,.xlsx,'
            f'.ppt,.pptx,.zip,.txt" style="display:block;margin:4px 0">{attached}'
            f'<p class="muted">{escape(T.BROADCAST_UNITS)}</p><div id="units">{boxes}</div>'
            f'<label for="bw" class="muted">{escape(T.BROADCAST_WHEN)}</label>'
            f'<input id="bw" name="gio" value="{escape(when)}" style="display:block;margin:4px 0">'
            f'<button type="submit" class="btn">{escape(T.BTN_PREVIEW)}</button></form></section>')
    if waiting:
        lis = "".join(
            f'<li data-broadcast="{b.id}">'
            f'{escape(T.WAITING_LINE.format(id=b.id, when=local(b.scheduled_at), audience=audience, text=shorten(one_line(b.text), 120)))}'
            f'{_action(f"phatdi/{b.id}/huy", _hidden("csrf", csrf), T.BTN_CANCEL.format(id=b.id))}'
            f'</li>' for b, audience in waiting)
        body += (f'<section id="waiting"><h2>{escape(T.WAITING_HEAD.format(count=len(waiting)))}'
                 f'</h2><ul class="q">{lis}</ul></section>')
    return board_page(title, body, nonce, root)


def _about_note(about) -> str:
    if about is None:
        return ""
    note = T.SHARE_FOR if about.kind == "mo_hinh" else T.ORIENT_FOR
    return (f'<p class="held" id="about">{escape(note.format(id=about.id, text=shorten(one_line(about.text), 200)))}'
            f'</p>')


def _media_kind(name: str) -> str:
    from bot.media import MediaStore
    return MediaStore.kind_of(name) or ""


def broadcast_preview_page(shown_text: str, summary: str, title: str, csrf: str, text: str,
                           units: list[int], when: str, nonce: str, root: str = "",
                           media: str = "", kind: str = "text", about: int | None = None) -> str:
    """What members will receive (as plain text here; the photo itself, or the file's name)
    and to whom; "Gửi" queues it."""
    keep = _hidden("csrf", csrf) + _hidden("text", text) + _hidden("gio", when) + "".join(
        _hidden("unit", str(u)) for u in units) + (_hidden("media", media) if media else "") + (
        _hidden("phananh", str(about)) if about else "")
    if media and kind == "photo":
        shown_media = f'<p><img id="shown-photo" alt="" style="max-width:100%" src="tep/{escape(media)}"></p>'
    elif media:
        shown_media = f'<p id="shown-file">📎 {escape(media)}</p>'
    else:
        shown_media = ""
    body = (f'<p><a href="phatdi">{escape(T.BACK)}</a></p><section id="preview">'
            f'<h2>{escape(T.PREVIEW_HEAD)}</h2>'
            f'<blockquote id="shown" style="white-space:pre-wrap;border-left:4px solid #b71c1c;'
            f'margin:8px 0;padding:6px 10px;background:#fff">{shown_media}{escape(shown_text)}</blockquote>'
            f'<p id="summary">{escape(summary)}</p>'
            f'<form method="post" action="phatdi/gui">{keep}'
            f'<button type="submit" class="btn" id="send">{escape(T.BTN_SEND)}</button></form>'
            f'<form method="post" action="phatdi/sua" style="margin-top:8px">{keep}'
            f'<button type="submit" class="btn" style="background:#666">{escape(T.BACK_EDIT)}</button>'
            f'</form></section>')
    return board_page(title, body, nonce, root)


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG data address (the page loads nothing from elsewhere)."""
    import base64

    import qrcode
    import qrcode.image.svg
    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = img.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _options(units, chosen: int | None = None) -> str:
    return "".join(f'<option value="{u.id}"{" selected" if u.id == chosen else ""}>'
                   f'{"&nbsp;&nbsp;" * u.depth}{escape(u.name)}</option>' for u in units)


def _invite_made(inv, link: str, zalo: bool) -> str:
    """The invite just created: the Telegram link, the Zalo line and the link's QR code, as text
    a board member can copy or show on a screen at a meeting."""
    zalo_line = (f'<p>{escape(T.INVITE_ZALO)} <code id="zalo-code">/start {escape(inv.code)}</code></p>'
                 if zalo else "")
    tg = (f'<p>{escape(T.INVITE_TELEGRAM)} <code id="tg-link">{escape(link)}</code></p>'
          f'<p><img id="qr" alt="{escape(T.INVITE_QR)}" width="200" height="200" '
          f'src="{qr_data_uri(link)}"></p>') if link else ""
    return (f'<section id="invite-made"><h2>{escape(T.INVITE_MADE.format(unit=inv.unit_name))}</h2>'
            f'{tg}{zalo_line}</section>')


def units_page(units, invites, title: str, csrf: str, tz: ZoneInfo, nonce: str, root: str = "",
               own_unit: int | None = None, made=None, link: str = "", zalo: bool = False,
               notice: str = "", error: str = "") -> str:
    """The board's tree (add, rename, stop a unit) and its invites (create with a link, a Zalo
    line and a QR code; revoke). The board's own unit is changed only by the board above."""
    token = _hidden("csrf", csrf)
    rows = []
    for u in units:
        forms = "" if u.id == own_unit else (
            f'<form method="post" action="tochuc/donvi/{u.id}/doiten" class="inline">{token}'
            f'<input name="name" required maxlength="200" aria-label="{escape(T.UNIT_RENAME_LABEL)}" '
            f'placeholder="{escape(T.UNIT_RENAME_LABEL)}">'
            f'<button type="submit" class="btn">{escape(T.BTN_RENAME)}</button></form>'
            f'<form method="post" action="tochuc/donvi/{u.id}/chuyen" class="inline">{token}'
            f'<select name="parent" aria-label="{escape(T.UNIT_MOVE_LABEL)}">'
            f'{_options([p for p in units if p.id != u.id], u.parent_id)}</select>'
            f'<button type="submit" class="btn">{escape(T.BTN_MOVE)}</button></form>'
            + _action(f"tochuc/donvi/{u.id}/ngung", token, T.BTN_DEACTIVATE))
        rows.append(f'<li data-unit="{u.id}" style="margin-left:{12 * u.depth}px">'
                    f'{escape(T.UNIT_ROW.format(name=u.name, members=u.members))}{forms}</li>')
    add = (f'<form class="answer" method="post" action="tochuc/donvi/them" id="unit-add">{token}'
           f'<label class="muted" for="un">{escape(T.UNIT_ADD_NAME)}</label>'
           f'<input id="un" name="name" required maxlength="200" style="display:block;margin:4px 0">'
           f'<label class="muted" for="up">{escape(T.UNIT_ADD_PARENT)}</label>'
           f'<select id="up" name="parent" style="display:block;margin:4px 0">{_options(units)}</select>'
           f'<button type="submit" class="btn">{escape(T.BTN_UNIT_ADD)}</button></form>')
    add += (f'<h2>{escape(T.IMPORT_HEAD)}</h2><form class="answer" method="post" '
            f'action="tochuc/nhap/xem" enctype="multipart/form-data" id="unit-import">{token}'
            f'<p class="muted">{escape(T.IMPORT_HELP)}</p>'
            f'<input type="file" name="file" accept=".csv,text/csv" required style="margin:4px 0">'
            f'<button type="submit" class="btn">{escape(T.BTN_IMPORT_PREVIEW)}</button></form>')
    roles = "".join(f'<option value="{k}">{escape(v)}</option>' for k, v in T.INVITE_ROLES.items())
    new_invite = (
        f'<form class="answer" method="post" action="tochuc/moi" id="invite-new">{token}'
        f'<label class="muted" for="iu">{escape(T.INVITE_UNIT)}</label>'
        f'<select id="iu" name="unit" style="display:block;margin:4px 0">{_options(units)}</select>'
        f'<label class="muted" for="ir">{escape(T.INVITE_ROLE)}</label>'
        f'<select id="ir" name="role" style="display:block;margin:4px 0">{roles}</select>'
        f'<label class="muted" for="in">{escape(T.INVITE_USES)}</label>'
        f'<input id="in" name="uses" inputmode="numeric" style="display:block;margin:4px 0">'
        f'<label class="muted" for="id">{escape(T.INVITE_DAYS)}</label>'
        f'<input id="id" name="days" inputmode="numeric" style="display:block;margin:4px 0">'
        f'<button type="submit" class="btn">{escape(T.BTN_INVITE)}</button></form>')
    if invites:
        lis = "".join(
            f'<li data-invite="{escape(i.code)}">{escape(T.INVITE_ROW.format(unit=i.unit_name, role=T.INVITE_ROLES["board" if i.is_admin else ("reporter" if i.is_reporter else "member")], uses=(T.INVITE_UNLIMITED if i.max_uses is None else T.INVITE_LEFT.format(left=i.uses_left, max=i.max_uses)), expires=(fmt_datetime(i.expires_at, tz) if i.expires_at else T.INVITE_NO_EXPIRY)))}'
            f'{_action("tochuc/moi/thuhoi", token, T.BTN_REVOKE, _hidden("code", i.code))}</li>'
            for i in invites)
        listing = f'<ul class="q" id="invites">{lis}</ul>'
    else:
        listing = f'<p class="muted" id="invites">{escape(T.INVITES_NONE)}</p>'
    body = (f'<p><a href="./">{escape(T.BACK)}</a> · <a href="tochuc/thanhvien">{escape(T.MEMBERS_LINK)}</a>'
            f' · <a href="nhatky">{escape(T.AUDIT_LINK)}</a></p>'
            f'{_flash(notice, error)}{_invite_made(made, link, zalo) if made else ""}'
            f'<section id="units"><h2>{escape(T.UNITS_HEAD.format(count=len(units)))}</h2>'
            f'<ul class="q">{"".join(rows)}</ul><h2>{escape(T.UNIT_ADD_HEAD)}</h2>{add}</section>'
            f'<section id="invite-list"><h2>{escape(T.INVITES_HEAD.format(count=len(invites)))}</h2>'
            f'{listing}<h2>{escape(T.INVITE_NEW_HEAD)}</h2>{new_invite}</section>')
    return board_page(title, body, nonce, root)


def documents_page(rows, title: str, csrf: str, max_mb: int, nonce: str, root: str = "",
                   notice: str = "", error: str = "") -> str:
    """The documents Loa answers from for this board: whose each is, its parts; upload (a new
    one, or the same name to replace it) and remove the board's own uploads."""
    token = _hidden("csrf", csrf)
    if rows:
        lis = []
        for d in rows:
            owner = T.DOC_OF.format(owner=d.owner) if d.owner else T.DOC_SHIPPED
            remove = _action("vanban/go", token, T.BTN_REMOVE, _hidden("file", d.file_name)) \
                if d.removable else ""
            lis.append(f'<li data-doc="{escape(d.file_name)}">'
                       f'{escape(T.DOC_ROW.format(title=d.title, chunks=d.chunks, owner=owner))}'
                       f'<br><span class="muted">{escape(d.file_name)}</span>{remove}</li>')
        listing = f'<ul class="q" id="docs">{"".join(lis)}</ul>'
    else:
        listing = f'<p class="muted" id="docs">{escape(T.DOCS_NONE)}</p>'
    upload = _file_form("vanban/tai", "doc-upload", token, "df", f"{T.DOC_UPLOAD_HEAD} (≤ {max_mb} MB)",
                        ".docx,.pdf,.txt,.md", T.BTN_UPLOAD)
    body = (f'{_back_links()}{_flash(notice, error)}<section id="documents">'
            f'<h2>{escape(T.DOCS_HEAD.format(count=len(rows)))}</h2>{upload}{listing}</section>')
    return board_page(title, body, nonce, root)


MEMBER_ACTIONS = ("baocao", "thoibaocao", "vaoban", "raban", "ngung")


def member_flags(m) -> str:
    return "".join(flag for on, flag in ((m.is_admin, T.FLAG_BOARD), (m.is_reporter, T.FLAG_REPORTER),
                                         (not m.active, T.FLAG_INACTIVE),
                                         (m.unreachable, T.FLAG_UNREACHABLE)) if on)


def members_page(people, total: int, units, chosen: int | None, title: str, csrf: str, nonce: str,
                 root: str = "", notice: str = "", error: str = "") -> str:
    """The board's people (of one unit when filtered): move, reporter, board seat, stop."""
    token = _hidden("csrf", csrf)
    rows = []
    for m in people:
        buttons = []
        if m.active:
            buttons.append(("thoibaocao", T.BTN_REPORTER_OFF) if m.is_reporter
                           else ("baocao", T.BTN_REPORTER_ON))
            buttons.append(("raban", T.BTN_BOARD_OFF) if m.is_admin else ("vaoban", T.BTN_BOARD_ON))
            buttons.append(("ngung", T.BTN_MEMBER_OFF))
        forms = "".join(_action(f"tochuc/thanhvien/{m.id}/{action}", token, label)
                        for action, label in buttons)
        move = (f'<form method="post" action="tochuc/thanhvien/{m.id}/chuyen" class="inline">{token}'
                f'<select name="unit" aria-label="{escape(T.UNIT_MOVE_LABEL)}">{_options(units, m.unit_id)}'
                f'</select><button type="submit" class="btn">{escape(T.BTN_MOVE)}</button></form>'
                ) if m.active else ""
        rows.append(f'<li data-member="{m.id}">'
                    f'{escape(T.MEMBER_ROW.format(name=m.full_name, unit=m.unit_name or "–", flags=member_flags(m)))}'
                    f'<br>{move}{forms}</li>')
    more = (f'<p class="muted">{escape(T.MEMBERS_MORE.format(count=total - len(people)))}</p>'
            if total > len(people) else "")
    choose = (f'<form method="get" action="tochuc/thanhvien" class="inline">'
              f'<select name="donvi" aria-label="{escape(T.MEMBERS_FILTER)}">'
              f'<option value="">{escape(T.MEMBERS_ALL)}</option>{_options(units, chosen)}</select>'
              f'<button type="submit" class="btn">{escape(T.BTN_FILTER)}</button></form>')
    body = (f'<p><a href="./">{escape(T.BACK)}</a> · <a href="tochuc">{escape(T.UNITS_LINK)}</a> · '
            f'<a href="nhatky">{escape(T.AUDIT_LINK)}</a></p>{_flash(notice, error)}'
            f'<section id="members"><h2>{escape(T.MEMBERS_HEAD.format(shown=len(people), count=total))}'
            f'</h2>{choose}<ul class="q">{"".join(rows)}</ul>{more}</section>')
    return board_page(title, body, nonce, root)


def faq_page(entries, title: str, csrf: str, nonce: str, root: str = "", notice: str = "",
             error: str = "") -> str:
    """The board's FAQ: each entry's wording editable, retired when no longer right."""
    token = _hidden("csrf", csrf)
    if entries:
        lis = []
        for f in entries:
            meta = T.FAQ_META.format(id=f.id, board=f.board, retired="" if f.active else T.FAQ_RETIRED)
            forms = (
                f'<form class="answer" method="post" action="hoidap/{f.id}/sua">{token}'
                f'<label class="muted" for="fq{f.id}">{escape(T.FAQ_QUESTION)}</label>'
                f'<textarea id="fq{f.id}" name="question" rows="2" maxlength="1000" required>'
                f'{escape(f.question)}</textarea>'
                f'<label class="muted" for="fa{f.id}">{escape(T.FAQ_ANSWER)}</label>'
                f'<textarea id="fa{f.id}" name="answer" rows="4" maxlength="3500" required>'
                f'{escape(f.answer)}</textarea>'
                f'<button type="submit" class="btn">{escape(T.BTN_FAQ_EDIT)}</button></form>'
                + _action(f"hoidap/{f.id}/ngung", token, T.BTN_FAQ_RETIRE)) if f.active else (
                f'<br>{escape(shorten(one_line(f.question), 200))}<br>'
                f'<span class="muted">{escape(shorten(one_line(f.answer), 300))}</span>')
            lis.append(f'<li data-faq="{f.id}"><span class="muted">{escape(meta)}</span>{forms}</li>')
        listing = f'<ul class="q" id="faqs">{"".join(lis)}</ul>'
    else:
        listing = f'<p class="muted" id="faqs">{escape(T.FAQ_NONE)}</p>'
    body = (f'<p><a href="./">{escape(T.BACK)}</a> · <a href="cauhoi">{escape(T.QUESTIONS_ALL)}</a> · '
            f'<a href="nhatky">{escape(T.AUDIT_LINK)}</a></p>{_flash(notice, error)}'
            f'<section id="faq"><h2>{escape(T.FAQ_HEAD.format(count=sum(f.active for f in entries)))}'
            f'</h2>{listing}</section>')
    return board_page(title, body, nonce, root)


def import_preview_page(result, paths: dict[int, str], text: str, title: str, csrf: str,
                        nonce: str, root: str = "") -> str:
    """What an import would add and what is already there; "Nhập" runs it (nothing done yet)."""
    new = sum(created for _, created in result)
    lis = "".join(
        f'<li data-import="{"new" if created else "known"}">'
        f'{escape((T.IMPORT_NEW if created else T.IMPORT_KNOWN).format(name=paths.get(u.id, u.name)))}</li>'
        for u, created in result)
    body = (f'<p><a href="tochuc">{escape(T.BACK)}</a></p><section id="import-preview">'
            f'<h2>{escape(T.IMPORT_PREVIEW_HEAD.format(new=new, known=len(result) - new))}</h2>'
            f'<ul class="q">{lis}</ul>'
            f'<form method="post" action="tochuc/nhap">{_hidden("csrf", csrf)}'
            f'<textarea name="csv" hidden>{escape(text)}</textarea>'
            f'<button type="submit" class="btn" id="import-go">{escape(T.BTN_IMPORT.format(new=new))}'
            f'</button></form></section>')
    return board_page(title, body, nonce, root)


REFLECTION_FILTERS = (("", "chưa xong"), ("moi", "mới"), ("dang_xu_ly", "đang xử lý"),
                      ("chuyen_len", "đã chuyển cấp trên"), ("da_tra_loi", "đã trả lời"), ("luu", "đã lưu"))


def reflections_page(items, counts: dict, status: str, title: str, csrf: str, tz: ZoneInfo,
                     nonce: str, root: str = "", notice: str = "", error: str = "",
                     trends=((), 0, 28)) -> str:
    """The board's phản ánh by status: answer (to the member on their channel), pass up, mark
    in hand, keep — on the ones its board holds; the others shown for reading."""
    from bot.texts import reflections as TF
    token = _hidden("csrf", csrf)
    tabs = " · ".join(
        (f'<b>{escape(label)}</b>' if key == status else
         f'<a href="phananh{"?tt=" + key if key else ""}">{escape(label)}</a>')
        + (f" ({counts.get(key, 0)})" if key else "") for key, label in REFLECTION_FILTERS)
    lis = []
    for r in items:
        meta = T.REFLECTION_META.format(
            id=r.id, kind=TF.KINDS[r.kind], status=TF.STATUS[r.status],
            who=r.reporter or TF.ANONYMOUS, unit=r.unit or TF.NO_UNIT,
            when=fmt_datetime(r.created_at, tz), board=r.board)
        urgent = f'<span class="held">{escape(TF.URGENT)}</span> ' if r.urgent else ""
        link = (f'<br><span class="muted">{escape(r.link)}</span>' if r.link else "")
        done = (f'<br><span class="ok">{escape(T.REFLECTION_ANSWERED.format(answer=shorten(one_line(r.answer), 300)))}</span>'
                if r.answer else "")
        forms = ""
        if r.mine and r.status in ("moi", "dang_xu_ly", "chuyen_len") and r.kind == "sai_trai":
            forms += (f'<p><a class="btn" href="phatdi?phananh={r.id}">{escape(T.BTN_ORIENT)}</a></p>')
        if r.kind == "mo_hinh" and (r.mine or r.status == "da_tra_loi"):
            forms += (f'<p><a class="btn" href="phatdi?nhanrong={r.id}">{escape(T.BTN_SHARE_MODEL)}</a></p>')
        if r.mine and r.status in ("moi", "dang_xu_ly", "chuyen_len"):
            forms += (
                f'<form class="answer" method="post" action="phananh/{r.id}/traloi">{token}'
                f'<label class="muted" for="r{r.id}">{escape(T.REFLECTION_ANSWER_LABEL.format(id=r.id))}</label>'
                f'<textarea id="r{r.id}" name="text" rows="3" maxlength="3000" required></textarea>'
                f'<button type="submit" class="btn">{escape(T.BTN_REFLECTION_ANSWER)}</button></form>'
                + "".join(
                    _action(f"phananh/{r.id}/{verb}", token, label)
                    for verb, label in (("chuyenlen", T.BTN_REFLECTION_UP),
                                        ("xuly", T.BTN_REFLECTION_WORKING),
                                        ("luu", T.BTN_REFLECTION_FILE))))
        lis.append(f'<li data-reflection="{r.id}">{urgent}{escape(shorten(one_line(r.text), 600))}{link}'
                   f'<br><span class="muted">{escape(meta)}</span>{done}{forms}</li>')
    listing = f'<ul class="q">{"".join(lis)}</ul>' if lis else \
        f'<p class="muted">{escape(T.REFLECTIONS_NONE)}</p>'
    what = dict(REFLECTION_FILTERS).get(status, T.REFLECTIONS_OPEN)
    body = (f'{_back_links()}{_flash(notice, error)}<section id="reflections">'
            f'<h2>{escape(T.REFLECTIONS_HEAD.format(what=what, shown=len(items)))}</h2>'
            f'<p id="tabs">{tabs} · <a href="phananh/xuat.xlsx">{escape(T.REFLECTIONS_EXPORT)}</a></p>'
            f'{listing}</section>{_trends(*trends)}')
    return board_page(title, body, nonce, root)


def _trends(topics, total: int, days: int) -> str:
    """The largest topics of the last weeks: how many, from how many units, the trend."""
    from bot import reflect
    from bot.text import plain
    lines = reflect.trend_blocks(topics, total, days)
    items = "".join(f"<li>{escape(plain(line))}</li>" for line in lines[1:])
    return (f'<section id="trends"><h2>{escape(plain(lines[0]))}</h2>'
            + (f'<ul class="q">{items}</ul>' if items else "") + "</section>")


def quizzes_page(items, documents, title: str, csrf: str, nonce: str, root: str = "", notice: str = "",
                 error: str = "") -> str:
    """The board's quizzes, and two ways to make one: a file of questions, or drafts from a document."""
    from bot.texts import quizzes as TQZ
    token = _hidden("csrf", csrf)
    rows = "".join(
        f'<li data-quiz="{info.id}"><a href="tracnghiem/{info.id}">{escape(TQZ.DESK_ROW.format(title=info.title, status=TQZ.STATUS.get(info.status, ""), count=info.count, took=took))}</a></li>'
        for info, took in items)
    listing = f'<ul class="q" id="quizzes">{rows}</ul>' if rows else \
        f'<p class="muted" id="quizzes">{escape(TQZ.LIST_EMPTY)}</p>'
    docs = "".join(f'<option value="{escape(d.doc_id)}">{escape(d.label)}</option>' for d in documents)
    title_field = f'<input name="title" placeholder="{escape(TQZ.DESK_TITLE)}" aria-label="{escape(TQZ.DESK_TITLE)}">'
    make = (_file_form("tracnghiem/tai", "quiz-file", token, "qf", TQZ.DESK_NEW_FILE, ".csv,.xlsx", TQZ.DESK_BTN_FILE,
                       title_field)
            + f'<form class="answer" method="post" action="tracnghiem/soan" id="quiz-draft">{token}'
            f'<label class="muted" for="qd">{escape(TQZ.DESK_NEW_DOC)}</label>'
            f'<select id="qd" name="doc" style="display:block;margin:4px 0">{docs}</select>{title_field}'
            f'<input name="count" type="number" min="1" max="30" value="5" aria-label="{escape(TQZ.DESK_COUNT)}">'
            f'<button type="submit" class="btn">{escape(TQZ.DESK_BTN_DOC)}</button></form>')
    body = (f'{_back_links()}{_flash(notice, error)}<section id="quiz-list">'
            f'<h2>{escape(TQZ.DESK_HEAD.format(count=len(items)))}</h2>{make}{listing}</section>')
    return board_page(title, body, nonce, root)


def quiz_page(info, questions, results, units, title: str, csrf: str, tz: ZoneInfo, nonce: str, root: str = "",
              notice: str = "", error: str = "") -> str:
    """One quiz: a draft's questions, each editable or dropped, and the form that publishes it; a
    published one's results per unit and the questions most missed."""
    from bot import quiz as render
    from bot.services.quizzes import LETTERS
    from bot.texts import quizzes as TQZ
    token = _hidden("csrf", csrf)
    parts = [f'<h2>{escape(TQZ.CLI_QUIZ.format(id=info.id, title=info.title, status=TQZ.STATUS.get(info.status, ""), count=info.count))}</h2>']
    if info.status == "draft":
        for n, q in enumerate(questions, start=1):
            right = ", ".join(LETTERS[i] for i in q.correct)
            source = (f'<p class="muted">{escape(TQZ.DESK_SOURCE.format(source=q.source))}</p>'
                      if q.source else "")
            parts.append(
                f'<form class="answer" method="post" action="tracnghiem/{info.id}/sua" data-question="{n}">'
                f'{token}{_hidden("number", str(n))}<h3>{escape(TQZ.DESK_QUESTION.format(number=n))}</h3>'
                f'<label class="muted">{escape(TQZ.DESK_TEXT)}<textarea name="text" rows="3" required>'
                f'{escape(q.text)}</textarea></label>'
                f'<label class="muted">{escape(TQZ.DESK_OPTIONS)}<textarea name="options" rows="{len(q.options) + 1}" '
                f'required>{escape(chr(10).join(q.options))}</textarea></label>'
                f'<label class="muted">{escape(TQZ.DESK_RIGHT)}<input name="right" value="{escape(right)}" required>'
                f'</label><label class="muted">{escape(TQZ.DESK_EXPLANATION)}<input name="explanation" '
                f'value="{escape(q.explanation)}"></label>{_hidden("source", q.source)}{source}'
                f'<button type="submit" class="btn">{escape(TQZ.DESK_BTN_SAVE)}</button></form>'
                + _action(f"tracnghiem/{info.id}/bo", token, TQZ.DESK_BTN_DROP, _hidden("number", str(n))))
        until = info.closes_at.astimezone(tz).strftime("%d/%m/%Y %H:%M") if info.closes_at else ""
        parts.append(
            f'<form class="answer" method="post" action="tracnghiem/{info.id}/phathanh" id="quiz-publish">'
            f'{token}<h3>{escape(TQZ.DESK_PUBLISH_HEAD)}</h3>'
            f'<label><input type="radio" name="audience" value="all" checked> {escape(TQZ.DESK_AUDIENCE_ALL)}</label><br>'
            f'<label><input type="radio" name="audience" value="reporters"> {escape(TQZ.DESK_AUDIENCE_REPORTERS)}</label><br>'
            f'<label><input type="radio" name="audience" value="units"> {escape(TQZ.DESK_AUDIENCE_UNITS)}</label>'
            f'<select name="units" multiple size="6" style="display:block">{_options(units)}</select>'
            f'<label class="muted">{escape(TQZ.DESK_UNTIL)}<input name="until" value="{escape(until)}"></label>'
            f'<label class="muted">{escape(TQZ.DESK_ATTEMPTS)}<input name="attempts" type="number" min="1" max="5" '
            f'value="{info.attempts}"></label>'
            f'<button type="submit" class="btn">{escape(TQZ.DESK_BTN_PUBLISH)}</button></form>')
    else:
        text = render.results(results) if results is not None else ""
        lines = "".join(f"<p>{line}</p>" for line in text.split("\n") if line.strip())
        parts.append(f'<section id="quiz-results"><h3>{escape(TQZ.DESK_RESULTS)}</h3>{lines}'
                     f'<p><a href="tracnghiem/{info.id}/xuat.xlsx">{escape(TQZ.DESK_EXPORT)}</a></p></section>')
        if info.status == "open":
            parts.append(_action(f"tracnghiem/{info.id}/dong", token, TQZ.DESK_BTN_CLOSE))
    body = (f'<p><a href="tracnghiem">{escape(TQZ.DESK_BACK)}</a></p>{_flash(notice, error)}'
            f'<section id="quiz">{"".join(parts)}</section>')
    return board_page(title, body, nonce, root)
