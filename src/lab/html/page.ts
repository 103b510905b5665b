import { esc } from './svg.js';

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f4f4f4}
td:first-child,th:first-child,table.kv td,table.kv th{text-align:left}.pass{color:#2e7d32}.fail{color:#c62828;font-weight:bold}
svg.chart{display:block;margin:12px 0;max-width:100%;height:auto}svg .title{font-weight:bold;font-size:13px}
svg .axis,svg .tick,svg .val{font-size:11px;fill:#444}svg .rule{stroke:#333}svg .grid{stroke:#eee}
svg .whisker{stroke-width:1.5}svg rect.hot{stroke:#000;stroke-width:1.5}.scroll{overflow-x:auto;border:1px solid #eee}.scroll svg.chart{max-width:none;margin:0}
.legend{font-size:12px;color:#444;margin:-4px 0 12px}tr.hot td{background:#fde0dd}.turn{font-family:monospace}
pre{background:#f8f8f8;padding:8px;overflow:auto;max-height:480px;font-size:12px}.muted{color:#777}`;

/*
 * The page's only script: hovering a turn in a timeline outlines every turn at the same
 * address. It ends by marking the page ready, so a test that renders the page headless can
 * tell a script that ran from one that threw.
 */
const SCRIPT = `(function(){
  document.querySelectorAll('svg[data-chart=timeline] rect[data-key]').forEach(function(r){
    r.addEventListener('mouseenter',function(){var k=r.getAttribute('data-key');
      document.querySelectorAll('rect[data-key]').forEach(function(o){o.classList.toggle('hot',o.getAttribute('data-key')===k);});});
  });
  document.documentElement.setAttribute('data-ready','ok');
})();`;

/** One self-contained HTML file: inline style, inline SVG, one small inline script. */
export function page(title: string, sections: readonly string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${CSS}</style></head>
<body><h1>${esc(title)}</h1>
${sections.join('\n')}
<script>${SCRIPT}</script></body></html>
`;
}

/** A table from a header row and rows of cells (escaped). */
export function htmlTable(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, cls = ''): string {
  return `<table${cls ? ` class="${cls}"` : ''}><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`;
}
