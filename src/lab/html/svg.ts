/**
 * Tiny SVG chart builders for the HTML reports: strings in, strings out, no dependencies,
 * so a report is one self-contained file. Each chart is an <svg class="chart"> with a
 * data-chart naming its kind, which the rendering test looks for.
 */

export const esc = (s: string | number): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const W = 640;
const H = 260;
const M = { l: 64, r: 16, t: 28, b: 48 };
const PW = W - M.l - M.r;
const PH = H - M.t - M.b;

/** A colour per series, readable on white. */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/** The chart's box, title and axes; `extra` grows it downwards for slanted labels. */
function frame(kind: string, title: string, body: string, yLabel: string, xLabel: string, extra = 0, legendBelow = false): string {
  const h = H + extra;
  // With a legend below, the x label stays where the plot ends, above it.
  const xLabelY = legendBelow ? H - 6 : h - 6;
  return `<svg class="chart" data-chart="${esc(kind)}" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="${esc(title)}">
<text x="${W / 2}" y="16" text-anchor="middle" class="title">${esc(title)}</text>
<text x="14" y="${M.t + PH / 2}" transform="rotate(-90 14 ${M.t + PH / 2})" text-anchor="middle" class="axis">${esc(yLabel)}</text>
<text x="${M.l + PW / 2}" y="${xLabelY}" text-anchor="middle" class="axis">${esc(xLabel)}</text>
<line x1="${M.l}" y1="${M.t + PH}" x2="${M.l + PW}" y2="${M.t + PH}" class="rule"/>
<line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${M.t + PH}" class="rule"/>
${body}</svg>`;
}

/** Round tick values for [0, max]. */
function ticks(max: number): number[] {
  if (max <= 0) return [0];
  const step = 10 ** Math.floor(Math.log10(max / 4));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => max / s <= 5) ?? step * 10;
  const out = [0];
  // The last tick at or above max, so every point sits inside the plot.
  while (out[out.length - 1] < max) out.push(out.length * nice);
  return out;
}

export const short = (v: number): string =>
  v >= 1e9 ? `${+(v / 1e9).toFixed(2)}G` : v >= 1e6 ? `${+(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${+(v / 1e3).toFixed(1)}k` : `${+v.toFixed(2)}`;

export interface Bar {
  label: string;
  value: number;
  color: string;
  /** Hover text. */
  note?: string;
}

/** Vertical bars; `log` plots log10(1 + value) so a count of 3 shows beside one of 3 million. */
export function barChart(kind: string, title: string, bars: readonly Bar[], opts: { yLabel: string; xLabel: string; log?: boolean }): string {
  const f = (v: number) => (opts.log ? Math.log10(1 + v) : v);
  const max = Math.max(1e-9, ...bars.map((b) => f(b.value)));
  const bw = PW / Math.max(1, bars.length);
  // A label wider than its bar (about 6.5 px a character at 11 px) is slanted, and the chart
  // grows by what the longest slanted label needs.
  const longest = Math.max(0, ...bars.map((b) => b.label.length));
  const slanted = longest * 6.5 > bw * 0.95;
  // The tallest bar stops short of the top, so its value label stays clear of the title.
  const body = bars.map((b, i) => {
    const h = (f(b.value) / max) * PH * 0.88;
    const x = M.l + i * bw + bw * 0.1;
    return `<g class="bar"><rect x="${x.toFixed(1)}" y="${(M.t + PH - h).toFixed(1)}" width="${(bw * 0.8).toFixed(1)}" height="${h.toFixed(1)}" fill="${b.color}"><title>${esc(`${b.label}: ${b.value}${b.note ? ` (${b.note})` : ''}`)}</title></rect>
<text x="${(x + bw * 0.4).toFixed(1)}" y="${(M.t + PH - h - 3).toFixed(1)}" text-anchor="middle" class="val">${esc(short(b.value))}</text>
${slanted ? `<text x="${(x + bw * 0.4).toFixed(1)}" y="${M.t + PH + 10}" text-anchor="end" transform="rotate(-40 ${(x + bw * 0.4).toFixed(1)} ${M.t + PH + 10})" class="tick">${esc(b.label)}</text>` : `<text x="${(x + bw * 0.4).toFixed(1)}" y="${M.t + PH + 14}" text-anchor="middle" class="tick">${esc(b.label)}</text>`}</g>`;
  });
  return frame(kind, title + (opts.log ? ' (log scale)' : ''), body.join('\n'), opts.yLabel, opts.xLabel, slanted ? Math.ceil(longest * 6.5 * 0.65) : 0);
}

export interface Point {
  x: number;
  y: number;
  lo?: number;
  hi?: number;
}

export interface Series {
  name: string;
  points: readonly Point[];
}

/** Lines over numeric x, with min/max whiskers where given, and a legend. */
export function lineChart(kind: string, title: string, series: readonly Series[], opts: { yLabel: string; xLabel: string; format?: (v: number) => string }): string {
  const fmt = opts.format ?? short;
  const all = series.flatMap((s) => s.points);
  const xs = [...new Set(all.map((p) => p.x))].sort((a, b) => a - b);
  const ymax = Math.max(1e-9, ...all.map((p) => p.hi ?? p.y));
  const yt = ticks(ymax);
  const top = yt[yt.length - 1] || ymax;
  const X = (x: number) => M.l + (xs.length === 1 ? PW / 2 : ((x - xs[0]) / (xs[xs.length - 1] - xs[0])) * PW);
  const Y = (y: number) => M.t + PH - (y / top) * PH;
  // Ticks are round: a '.0' ('600.0µs') only widens the label towards the axis title.
  const grid = yt.map((v) => `<line x1="${M.l}" x2="${M.l + PW}" y1="${Y(v).toFixed(1)}" y2="${Y(v).toFixed(1)}" class="grid"/><text x="${M.l - 4}" y="${(Y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${esc(fmt(v).replace(/\.0(?=\D*$)/, ''))}</text>`);
  const xticks = xs.map((x) => `<text x="${X(x).toFixed(1)}" y="${M.t + PH + 14}" text-anchor="middle" class="tick">${esc(x)}</text>`);
  const lines = series.map((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    const path = pts.map((p, j) => `${j ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ');
    const marks = pts.map((p) => `${p.lo !== undefined && p.hi !== undefined ? `<line x1="${X(p.x).toFixed(1)}" x2="${X(p.x).toFixed(1)}" y1="${Y(p.lo).toFixed(1)}" y2="${Y(p.hi).toFixed(1)}" stroke="${c}" class="whisker"/>` : ''}<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3.5" fill="${c}"><title>${esc(`${s.name} @ ${p.x}: ${fmt(p.y)}${p.lo !== undefined ? ` (min ${fmt(p.lo)}, max ${fmt(p.hi ?? p.y)})` : ''}`)}</title></circle>`);
    // The legend sits under the axis label, three to a row, never on a line.
    const lx = M.l + (i % LEGEND_COLS) * (PW / LEGEND_COLS);
    const ly = H + 2 + Math.floor(i / LEGEND_COLS) * 16;
    const legend = `<rect x="${lx.toFixed(1)}" y="${ly}" width="10" height="10" fill="${c}"/><text x="${(lx + 14).toFixed(1)}" y="${ly + 9}" class="tick">${esc(s.name)}</text>`;
    return `<g class="series"><path d="${path}" stroke="${c}" fill="none" stroke-width="2"/>${marks.join('')}${legend}</g>`;
  });
  return frame(kind, title, [...grid, ...xticks, ...lines].join('\n'), opts.yLabel, opts.xLabel, 6 + Math.ceil(series.length / LEGEND_COLS) * 16, true);
}

const LEGEND_COLS = 3;

export interface Lane {
  label: string;
}

export interface Mark {
  lane: number;
  step: number;
  color: string;
  note: string;
  /** Marks with one key are highlighted together on hover (the same address). */
  key: string;
}

/** One lane per actor, one tick per turn: who ran when, coloured by the kind of access. */
export function timeline(kind: string, title: string, lanes: readonly Lane[], marks: readonly Mark[], steps: number, legend: ReadonlyArray<[string, string]>): string {
  const laneH = 26;
  const left = 120;
  const width = Math.max(W, Math.min(6000, left + steps * 4 + 20));
  const sw = (width - left - 20) / Math.max(1, steps);
  const height = 40 + lanes.length * laneH + 30;
  const rows = lanes.map((l, i) => `<text x="${left - 8}" y="${34 + i * laneH + laneH / 2}" text-anchor="end" class="tick">${esc(l.label)}</text><line x1="${left}" x2="${width - 20}" y1="${30 + (i + 1) * laneH}" y2="${30 + (i + 1) * laneH}" class="grid"/>`);
  const ticksOut = marks.map((m) => `<rect x="${(left + m.step * sw).toFixed(2)}" y="${32 + m.lane * laneH}" width="${Math.max(1, sw - 0.5).toFixed(2)}" height="${laneH - 4}" fill="${m.color}" data-key="${esc(m.key)}"><title>${esc(m.note)}</title></rect>`);
  let kx = left;
  const keys = legend.map(([name, c]) => {
    const at = kx;
    kx += 24 + name.length * 6.5;
    return `<rect x="${at.toFixed(1)}" y="${height - 18}" width="10" height="10" fill="${c}"/><text x="${(at + 14).toFixed(1)}" y="${height - 9}" class="tick">${esc(name)}</text>`;
  });
  return `<svg class="chart" data-chart="${esc(kind)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">
<text x="${left}" y="16" class="title">${esc(title)}</text>
${rows.join('\n')}
${ticksOut.join('\n')}
${keys.join('\n')}</svg>`;
}
