"""The pages of the check server (Chinese), each one self-contained HTML: no file from the Internet.

Progressive enhancement: each page is a plain ``<form>`` upload that works in any browser without
JavaScript (``POST /`` answers with a result page rendered here, or the annotated copy;
``POST /district`` with the summary). The scripts are only an enhancement: they mark the page
``js`` (which hides the plain buttons) as their very last step, so a browser that cannot run them
(an old IE-mode browser fails on arrow functions before running anything) keeps the plain form.
The scripts call the JSON API (``/api/check``, ``/api/annotate``, ``/api/combine``) and put what
comes back into the page with ``textContent`` (never as HTML); the server-rendered pages escape
every text, so a file name or a message cannot inject markup.
"""

from __future__ import annotations

from html import escape

from xltools.form.layout import RESULT_SHEET
from xltools.form.report import place_of

__all__ = ["check_page", "district_page", "login_page", "results_page", "problem_page"]

_STYLE = """
body{font-family:"Microsoft YaHei","PingFang SC","WenQuanYi Zen Hei",sans-serif;margin:0;background:#f4f6f9;color:#222}
header{background:#1f4e79;color:#fff;padding:14px 28px}header h1{margin:0;font-size:22px}
header nav a{color:#cfe2f3;margin-right:18px;font-size:14px}header nav a.on{color:#fff;font-weight:bold}
main{max-width:1100px;margin:20px auto;padding:0 20px}
.drop{border:2px dashed #7f9db9;border-radius:8px;background:#fff;padding:28px;text-align:center;color:#555}
.drop.over{background:#eaf2fb}.js .drop input,.js .plain{display:none}
.drop input{margin:8px}.drop button{margin:0 6px}
.pick{display:inline-block;margin-top:6px;background:#fff;border:1px solid #1f4e79;color:#1f4e79;border-radius:4px;
padding:6px 18px;cursor:pointer}.pick:hover{background:#eaf2fb}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);margin:18px 0;padding:16px 20px}
.card h2{font-size:17px;margin:0 0 10px}.summary span{display:inline-block;margin-right:26px;font-size:15px}
.summary b{font-size:18px;color:#1f4e79}.error{color:#c00000;font-weight:bold}
.ok{color:#2e7d32;font-weight:bold}table{border-collapse:collapse;width:100%;margin-top:10px;font-size:13px}
th,td{border:1px solid #c9d3de;padding:5px 7px;text-align:left;vertical-align:top}th{background:#e8eef5}
th,td:nth-child(-n+4){white-space:nowrap}
tr.lv-错误 td:nth-child(3){color:#c00000;font-weight:bold}tr.lv-警告 td:nth-child(3){color:#b26a00}
button{background:#1f4e79;color:#fff;border:0;border-radius:4px;padding:7px 16px;font-size:14px;cursor:pointer}
button:disabled{background:#8aa}.note{color:#666;font-size:13px}
"""

_COMMON_JS = """
const $ = (tag, props = {}, ...kids) => { const e = document.createElement(tag); Object.assign(e, props);
  for (const k of kids) e.append(k); return e; };
async function post(url, files) {
  const body = new FormData(); for (const f of files) body.append('file', f, f.name);
  return fetch(url, {method: 'POST', body, credentials: 'same-origin'});
}
async function problem(resp) {
  try { const j = await resp.json(); return j.error || ('请求失败（' + resp.status + '）'); }
  catch (e) { return '请求失败（' + resp.status + '）'; }
}
function save(blob, name) {
  const a = $('a', {href: URL.createObjectURL(blob), download: name}); document.body.append(a); a.click(); a.remove();
}
function dispositionName(resp, fallback) {
  const m = /filename\\*=UTF-8''([^;]+)/.exec(resp.headers.get('Content-Disposition') || '');
  return m ? decodeURIComponent(m[1]) : fallback;
}
function dropZone(zone, input, handle) {
  zone.addEventListener('dragover', e => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', e => { e.preventDefault(); zone.classList.remove('over'); handle([...e.dataTransfer.files]); });
  input.addEventListener('change', () => { handle([...input.files]); input.value = ''; });
}
"""

_CHECK_JS = """
const pct = v => v === null || v === undefined ? '—' : (v * 100).toFixed(2) + '%';
const num = v => v === null || v === undefined || v === '' ? '—' : String(v);
async function checkOne(file) {
  const card = $('section', {className: 'card'}, $('h2', {textContent: file.name}),
                 $('p', {className: 'note', textContent: '正在检查……'}));
  document.getElementById('results').prepend(card);
  const resp = await post('/api/check', [file]);
  card.querySelector('p').remove();
  if (!resp.ok) { card.append($('p', {className: 'error', textContent: '无法检查：' + await problem(resp)})); return; }
  const r = await resp.json();
  const errors = r.findings.filter(f => f.severity === 'error').length, warnings = r.findings.length - errors;
  const s = (label, value) => $('span', {}, label + ' ', $('b', {textContent: value}));
  const grade = r.total === null ? '未评分' : (r.grade || '未评级');
  const totalIssues = r.findings.filter(f => f.field === 'total_score' || f.code === 'weights-sum'
                                        || f.code === 'weights-absent');
  const selfTotal = s('自评总分', num(r.self_total));
  if (totalIssues.length) selfTotal.append($('span', {className: 'error', textContent:
    ' （' + totalIssues.map(f => (f.severity === 'error' ? '错误 ' : '警告 ') + f.code).join('、') + '）'}));
  card.append($('div', {className: 'summary'}, s('执行率', pct(r.execution_rate)), s('预算执行得分', num(r.budget_score)),
              selfTotal, s('复核总分', num(r.total)), s('等级', grade)));
  card.append(errors || warnings
    ? $('p', {className: errors ? 'error' : 'note', textContent: `发现 ${errors} 个错误、${warnings} 个警告：`})
    : $('p', {className: 'ok', textContent: '检查通过：没有发现问题。'}));
  if (r.findings.length) {
    const table = $('table', {className: 'findings'}, $('tr', {}, ...['序号', '单元格', '级别', '代码', '说明'].map(
      t => $('th', {textContent: t}))));
    r.findings.forEach((f, i) => table.append($('tr', {className: 'lv-' + (f.severity === 'error' ? '错误' : '警告')},
      ...[i + 1, f.cell || (f.field === 'file' ? '整个文件' : '—'), f.severity === 'error' ? '错误' : '警告', f.code, f.message].map(
        t => $('td', {textContent: String(t)})))));
    card.append(table);
  }
  const button = $('button', {className: 'annotate', textContent: '下载批注副本'});
  button.onclick = async () => {
    button.disabled = true; button.textContent = '正在生成……';
    const got = await post('/api/annotate', [file]);
    button.disabled = false; button.textContent = '下载批注副本';
    if (!got.ok) { card.append($('p', {className: 'error', textContent: await problem(got)})); return; }
    save(await got.blob(), dispositionName(got, 'annotated.xlsx'));
  };
  card.append($('p', {}, button, $('span', {className: 'note',
    textContent: '  副本中已填好“RESULT_SHEET”表和复核得分，问题单元格已标色并附批注；原文件不变。'})));
}
dropZone(document.getElementById('drop'), document.getElementById('files'), files => files.forEach(checkOne));
document.documentElement.className += ' js';
""".replace("RESULT_SHEET", RESULT_SHEET)

_DISTRICT_JS = """
let chosen = [];
document.getElementById('drop').addEventListener('submit', e => e.preventDefault());
const list = document.getElementById('chosen'), go = document.getElementById('go'), out = document.getElementById('outcome');
dropZone(document.getElementById('drop'), document.getElementById('files'), files => {
  chosen = chosen.concat(files); list.textContent = '已选择 ' + chosen.length + ' 个文件：' + chosen.map(f => f.name).join('、');
  go.disabled = !chosen.length; });
go.onclick = async () => {
  go.disabled = true; out.replaceChildren($('p', {className: 'note', textContent: '正在汇总……'}));
  const resp = await post('/api/combine', chosen);
  go.disabled = false;
  if (!resp.ok) { out.replaceChildren($('p', {className: 'error', textContent: '无法汇总：' + await problem(resp)})); return; }
  const h = k => resp.headers.get('X-Xltools-' + k);
  const blob = await resp.blob(), name = dispositionName(resp, '汇总.xlsx');
  const link = $('a', {href: URL.createObjectURL(blob), download: name, textContent: '下载汇总表 ' + name});
  out.replaceChildren($('p', {className: 'ok', textContent:
    `已汇总 ${h('Projects')} 个项目（共 ${h('Files')} 个文件）；错误 ${h('Errors')} 个、警告 ${h('Warnings')} 个。` +
    '每个文件的处理结果见汇总表的“文件清单”。'}), $('p', {}, link));
  const rejected = JSON.parse(decodeURIComponent(h('Rejected') || '%5B%5D'));
  for (const r of rejected) out.append($('p', {className: 'error', textContent: r.name + '：' + r.reason}));
  const missed = JSON.parse(decodeURIComponent(escape(atob(h('Missed') || 'W10=')))), count = Number(h('Missed-Count') || 0);
  if (count) out.append($('p', {className: 'error', textContent:
    `未能汇总的文件（${count} 个，各单位须重新报送或删除）：` + (count > missed.length ? `（列出前 ${missed.length} 个，其余见“文件清单”）` : '')}));
  for (const r of missed) out.append($('p', {className: 'note', textContent: r.name + '：' + r.reason}));
  chosen = []; list.textContent = '';
};
go.disabled = true;
document.documentElement.className += ' js';
"""


def _page(title: str, active: str, body: str, script: str) -> str:
    nav = "".join(f'<a href="{href}" class="{"on" if href == active else ""}">{text}</a>'
                  for href, text in (("/", "检查自评表"), ("/district", "区级汇总")))
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_STYLE}</style></head>'
            f'<body><header><h1>朝阳区项目支出绩效自评表 · {title}</h1><nav>{nav}</nav></header>'
            f'<main>{body}</main><script>{_COMMON_JS}{script}</script></body></html>')


def _drop_zone(action: str, prompt: str, accept: str, buttons: str) -> str:
    """The upload form: files are dropped on it or picked, then sent by its buttons (a button of class
    ``plain`` only serves without JavaScript) or by the page's script (which finds it by its ids)."""
    return (f'<form class="drop" id="drop" method="post" action="{action}" enctype="multipart/form-data">'
            f'<p>{prompt}，或</p><label class="pick">选择文件'
            f'<input type="file" id="files" name="file" multiple accept="{accept}"></label>'
            f'<p>{buttons}</p></form>')


def check_page() -> str:
    buttons = ('<button class="plain" type="submit" name="want" value="check">检查</button>'
               '<button class="plain" type="submit" name="want" value="copy">下载批注副本（一次一个文件）</button>')
    body = (_drop_zone("/", "把填好的自评表（.xlsx / .xlsm，也可以是 .xls / .et / .ods / .xlsb，可多个）拖到这里",
                       ".xlsx,.xlsm,.xls,.et,.ett,.ods,.xlsb", buttons) +
            '<p class="note">每个文件显示执行率、得分、总分、等级和发现的问题（单元格与说明），并可下载批注副本。'
            '文件只在检查期间临时保存，检查完即删除。</p><div id="results"></div>')
    return _page("检查评分", "/", body, _CHECK_JS)


def district_page() -> str:
    body = (_drop_zone("/district", "把各街道的自评表（.xlsx / .xlsm，也可以是 .xls / .et / .ods / .xlsb）或一个按文件夹"
                       "打包的 .zip 拖到这里", ".xlsx,.xlsm,.xls,.et,.ett,.ods,.xlsb,.zip",
                       '<button id="go" type="submit">汇总</button>') +
            '<p id="chosen" class="note"></p><div id="outcome"></div>'
            '<p class="note">得到的汇总表与 <code>xltools combine</code> 生成的相同，其中“文件清单”列出每个文件的处理结果。</p>')
    return _page("区级汇总", "/district", body, _DISTRICT_JS)


def login_page(goto: str, *, failed: bool = False, need_district: bool = False, wait: str = "") -> str:
    warn = '<p class="error">访问令牌不正确，请重新输入。</p>' if failed else ""
    if need_district:
        warn += '<p class="error">区级汇总需要区级令牌（您现在用的是街道填报令牌）。</p>'
    if wait:
        warn += f'<p class="error">{escape(wait)}</p>'
    body = (f'<section class="card"><h2>请输入访问令牌</h2>{warn}<form method="post" action="/login">'
            f'<input type="hidden" name="next" value="{escape(goto)}">'
            '<input type="password" name="token" size="40" autofocus> <button type="submit">进入</button></form>'
            '<p class="note">令牌由区里信息化同事提供。</p></section>')
    return _page("登录", "", body, "")




def _shown(key: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    if key == "execution_rate" and isinstance(value, (int, float)):
        return f"{value * 100:.2f}%"
    return str(value)


def _summary(result: dict, findings: list[dict]) -> str:
    """The summary line as the page's script writes it: the self-reported total with the findings on it
    beside the reviewed total and its grade (未评分 without a reviewed total, 未评级 without a grade)."""
    on_total = [f for f in findings
                if f.get("field") == "total_score" or f.get("code") in ("weights-sum", "weights-absent")]
    issues = "、".join(("错误 " if f.get("severity") == "error" else "警告 ") + str(f.get("code")) for f in on_total)
    grade = "未评分" if result.get("total") is None else (result.get("grade") or "未评级")
    parts = [("执行率", _shown("execution_rate", result.get("execution_rate")), ""),
             ("预算执行得分", _shown("budget_score", result.get("budget_score")), ""),
             ("自评总分", _shown("self_total", result.get("self_total")),
              f'<span class="error"> （{escape(issues)}）</span>' if issues else ""),
             ("复核总分", _shown("total", result.get("total")), ""), ("等级", grade, "")]
    return "".join(f"<span>{label} <b>{escape(value)}</b>{extra}</span>" for label, value, extra in parts)


def _result_card(result: dict) -> str:
    """One file's result as the script shows it (same classes), rendered on the server."""
    head = f'<section class="card"><h2>{escape(str(result.get("file", "")))}</h2>'
    if "error" in result:
        return head + f'<p class="error">无法检查：{escape(str(result["error"]))}</p></section>'
    findings = result.get("findings") or []
    errors = sum(1 for f in findings if f.get("severity") == "error")
    summary = _summary(result, findings)
    if findings:
        line = (f'<p class="{"error" if errors else "note"}">发现 {errors} 个错误、'
                f'{len(findings) - errors} 个警告：</p>')
    else:
        line = '<p class="ok">检查通过：没有发现问题。</p>'
    rows = "".join(
        f'<tr class="lv-{"错误" if f.get("severity") == "error" else "警告"}">' + "".join(
            f"<td>{escape(str(cell))}</td>" for cell in (
                i, place_of(f), "错误" if f.get("severity") == "error" else "警告",
                f.get("code"), f.get("message")))
        + "</tr>" for i, f in enumerate(findings, start=1))
    table = ('<table class="findings"><tr><th>序号</th><th>单元格</th><th>级别</th><th>代码</th><th>说明</th></tr>'
             f'{rows}</table>') if findings else ""
    return f'{head}<div class="summary">{summary}</div>{line}{table}</section>'


def results_page(results: list[dict]) -> str:
    """The check page with the results of a plain form upload (no JavaScript needed)."""
    cards = "".join(_result_card(r) for r in results)
    page = check_page()
    return page.replace('<div id="results"></div>', f'<div id="results">{cards}</div>', 1)


def problem_page(title: str, active: str, message: str) -> str:
    """A refusal of a plain form upload, as a page with the way back."""
    body = (f'<section class="card"><h2>{escape(title)}</h2><p class="error">{escape(message)}</p>'
            f'<p><a href="{escape(active)}">返回重新上传</a></p></section>')
    return _page(title, active, body, "")
