import type { Column, Content, TDocumentDefinitions, TableCell } from 'pdfmake/interfaces';
import type { ReportCell, ReportChartDto, ReportDto, ReportTableDto } from '../../../src-shared/dto/reports';
import { formatAmount } from '../../../src-shared/money';
import { cellText, exponentOf, type Exponents } from './csv';

/** The PDF standard fonts (Helvetica family): the only files pdfmake may open, so no report reads a path. */
const STANDARD_FONTS = new Set(['Helvetica', 'Helvetica-Bold', 'Helvetica-Oblique', 'Helvetica-BoldOblique']);

let pdfmakeModule: typeof import('pdfmake') | null = null;

/** pdfmake with the standard fonts, local files limited to those fonts and no URL access; loaded on first use. */
async function pdfmake(): Promise<typeof import('pdfmake')> {
  if (pdfmakeModule) return pdfmakeModule;
  const m = await import('pdfmake');
  const pm = (m as unknown as { default?: typeof import('pdfmake') }).default ?? m;
  pm.setFonts({
    Helvetica: {
      normal: 'Helvetica',
      bold: 'Helvetica-Bold',
      italics: 'Helvetica-Oblique',
      bolditalics: 'Helvetica-BoldOblique',
    },
  });
  pm.setLocalAccessPolicy((path) => STANDARD_FONTS.has(path));
  pm.setUrlAccessPolicy(() => false);
  pdfmakeModule = pm;
  return pm;
}

// WinAnsi beyond Latin-1 that the standard fonts can draw; anything else prints as "?" rather than failing.
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** Text the standard fonts can draw. */
export function pdfText(s: string): string {
  return [...s].map((ch) => ((ch.codePointAt(0) ?? 0) <= 0xff || WIN_ANSI_EXTRA.has(ch) ? ch : '?')).join('');
}

/**
 * The one PDF path of the main process: a pdfmake document with the standard fonts (A4, Helvetica), page numbers
 * in the footer, rendered to bytes.
 */
export async function renderPdf(
  doc: Omit<TDocumentDefinitions, 'defaultStyle' | 'footer'> & { footerText: string },
): Promise<Buffer> {
  const pm = await pdfmake();
  const { footerText, ...rest } = doc;
  return pm
    .createPdf({
      pageSize: 'A4',
      pageMargins: [36, 36, 36, 40],
      ...rest,
      defaultStyle: { font: 'Helvetica', fontSize: 9 },
      footer: (current: number, count: number) => ({
        columns: [
          { text: pdfText(footerText), fontSize: 7, color: '#555555' },
          { text: `page ${current} of ${count}`, alignment: 'right', fontSize: 7, color: '#555555' },
        ],
        margin: [36, 12, 36, 0],
      }),
    })
    .getBuffer();
}

const esc = (s: string): string =>
  pdfText(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);

const COLORS = ['#1f6fb2', '#e08a1e', '#c43d3d', '#3a9a5b', '#7b5ea7', '#8c6d31'];

/** A "nice" step (1, 2, 5 x 10^n) so about `ticks` ticks cover `range`. */
function niceStep(range: number, ticks: number): number {
  if (range <= 0) return 1;
  const raw = range / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** A y-axis tick: whole numbers grouped, fractions (small money scales) with two decimals. */
const tickLabel = (t: number): string =>
  Number.isInteger(Math.round(t * 1e6) / 1e6)
    ? formatAmount(Math.round(t), { exponent: 0 })
    : formatAmount(Math.round(t * 100), { exponent: 2 });

/** The values a chart draws: money in units of its currency (drawing only; the table keeps the exact figures). */
function chartData(
  chart: ReportChartDto,
  table: ReportTableDto,
  exponents: Exponents,
): { labels: string[]; series: { label: string; values: number[] }[]; unit: string; exponent: number } {
  const rows = chart.currency ? table.rows.filter((r) => r.currency === chart.currency) : table.rows;
  const kinds = new Map(table.columns.map((c) => [c.key, c.kind]));
  const money = chart.series.some((s) => kinds.get(s.key) === 'money');
  const exponent = money ? exponentOf(chart.currency, exponents) : 0;
  const scale = 10 ** exponent;
  const num = (v: ReportCell | undefined): number => (typeof v === 'number' ? v : 0);
  return {
    labels: rows.map((r) => String(r[chart.x] ?? '')),
    series: chart.series.map((s) => ({
      label: s.label,
      values: rows.map((r) => num(r[s.key]) / (kinds.get(s.key) === 'money' ? scale : 1)),
    })),
    unit: money ? (chart.currency ?? '') : 'count',
    exponent,
  };
}

/**
 * A chart drawn as SVG from its table (bars, stacked bars, a line per series, or a pie): y axis with nice ticks
 * and labels, x labels (thinned or slanted when many), a legend. No chart library: only the table's figures.
 */
export function chartSvg(
  chart: ReportChartDto,
  table: ReportTableDto,
  exponents: Exponents = {},
  width = 520,
  height = 220,
): string {
  const { labels, series, unit, exponent } = chartData(chart, table, exponents);
  const parts: string[] = [];
  const fmt = (v: number): string => formatAmount(Math.round(v * 10 ** exponent), { exponent });
  if (chart.kind === 'pie') {
    const values = series[0]?.values ?? [];
    const total = values.reduce((a, b) => a + Math.max(0, b), 0);
    const rad = Math.max(20, Math.min(90, height / 2 - 12, width / 4));
    const cx = rad + 8;
    const cy = height / 2;
    const lx = 2 * rad + 28;
    // The legend lists as many slices as fit; the rest are counted in one line.
    const fits = Math.max(1, Math.floor((height - 16) / 12));
    const shown = values.length > fits ? fits - 1 : values.length;
    let a0 = -Math.PI / 2;
    values.forEach((v, i) => {
      const frac = total > 0 ? Math.max(0, v) / total : 0;
      const color = COLORS[i % COLORS.length]!;
      if (frac >= 0.9999) parts.push(`<circle cx="${cx}" cy="${cy}" r="${rad}" fill="${color}"/>`);
      else if (frac > 0) {
        const a1 = a0 + frac * 2 * Math.PI;
        const p = (a: number): string =>
          `${(cx + rad * Math.cos(a)).toFixed(2)} ${(cy + rad * Math.sin(a)).toFixed(2)}`;
        parts.push(
          `<path d="M ${cx} ${cy} L ${p(a0)} A ${rad} ${rad} 0 ${frac > 0.5 ? 1 : 0} 1 ${p(a1)} Z" fill="${color}" stroke="#ffffff" stroke-width="0.5"/>`,
        );
        a0 = a1;
      }
      if (i >= shown) return;
      parts.push(
        `<rect x="${lx}" y="${8 + i * 12}" width="8" height="8" fill="${color}"/>`,
        `<text x="${lx + 12}" y="${15 + i * 12}" font-size="7.5" font-family="Helvetica">${esc(labels[i] ?? '')}: ${esc(
          fmt(v),
        )} (${total > 0 ? ((100 * Math.max(0, v)) / total).toFixed(1) : '0.0'} %)</text>`,
      );
    });
    if (shown < values.length)
      parts.push(
        `<text x="${lx + 12}" y="${15 + shown * 12}" font-size="7.5" font-family="Helvetica">... and ${values.length - shown} more (see the table)</text>`,
      );
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
  }
  const legendY = 12;
  let legendX = 62;
  series.forEach((s, i) => {
    parts.push(
      `<rect x="${legendX}" y="${legendY - 8}" width="9" height="9" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${legendX + 13}" y="${legendY}" font-size="8" font-family="Helvetica">${esc(s.label)}</text>`,
    );
    legendX += 24 + s.label.length * 4.6;
  });
  const left = 62;
  const right = 10;
  const top = 24;
  const slanted = labels.length > 8;
  const bottom = slanted ? 52 : 26;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const stacked = chart.kind === 'bar' && chart.stacked === true;
  const tops = labels.map((_, i) =>
    stacked
      ? series.reduce((a, s) => a + Math.max(0, s.values[i] ?? 0), 0)
      : Math.max(0, ...series.map((s) => s.values[i] ?? 0)),
  );
  const lows = labels.map((_, i) =>
    stacked
      ? series.reduce((a, s) => a + Math.min(0, s.values[i] ?? 0), 0)
      : Math.min(0, ...series.map((s) => s.values[i] ?? 0)),
  );
  const maxV = Math.max(0, ...tops);
  const minV = Math.min(0, ...lows);
  // Counts tick in whole numbers.
  const step = unit === 'count' ? Math.max(1, niceStep(maxV - minV || 1, 5)) : niceStep(maxV - minV || 1, 5);
  const yMax = Math.ceil(maxV / step) * step || step;
  const yMin = Math.floor(minV / step) * step;
  const y = (v: number): number => top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
  for (let t = yMin; t <= yMax + step / 2; t += step) {
    const yy = y(t).toFixed(1);
    parts.push(
      `<line x1="${left}" y1="${yy}" x2="${width - right}" y2="${yy}" stroke="${t === 0 ? '#555555' : '#dddddd'}" stroke-width="0.6"/>`,
      `<text x="${left - 4}" y="${(y(t) + 3).toFixed(1)}" font-size="7" text-anchor="end" font-family="Helvetica">${esc(tickLabel(t))}</text>`,
    );
  }
  parts.push(
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#555555" stroke-width="0.6"/>`,
    `<text x="8" y="${top + plotH / 2}" font-size="8" font-family="Helvetica" transform="rotate(-90 8 ${top + plotH / 2})" text-anchor="middle">${esc(unit)}</text>`,
  );
  const n = Math.max(1, labels.length);
  const band = plotW / n;
  // As many x labels as fit the width (slanted ones need about 14 pt each), evenly thinned.
  const every = Math.ceil(labels.length / Math.max(1, Math.floor(plotW / (slanted ? 14 : 40))));
  labels.forEach((label, i) => {
    if (i % every !== 0) return;
    const cx = left + band * (i + 0.5);
    const ly = top + plotH + 10;
    parts.push(
      slanted
        ? `<text x="${cx.toFixed(1)}" y="${ly}" font-size="7" font-family="Helvetica" text-anchor="end" transform="rotate(-40 ${cx.toFixed(1)} ${ly})">${esc(label)}</text>`
        : `<text x="${cx.toFixed(1)}" y="${ly}" font-size="7" font-family="Helvetica" text-anchor="middle">${esc(label)}</text>`,
    );
  });
  if (chart.kind === 'line') {
    series.forEach((s, si) => {
      const color = COLORS[si % COLORS.length]!;
      const pts = s.values.map((v, i) => `${(left + band * (i + 0.5)).toFixed(1)},${y(v).toFixed(1)}`);
      parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
      s.values.forEach((v, i) =>
        parts.push(
          `<circle cx="${(left + band * (i + 0.5)).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2" fill="${color}"/>`,
        ),
      );
    });
  } else {
    // Bars keep a readable width: a lone category does not become one wall of colour.
    const inner = Math.min(band * 0.8, (stacked ? 1 : series.length) * 36);
    const barW = stacked ? inner : inner / Math.max(1, series.length);
    const valueLabels = labels.length * (stacked ? 1 : series.length) <= 24;
    labels.forEach((_, i) => {
      // Stacks grow up from zero for positive values and down from zero for negative ones.
      let up = 0;
      let down = 0;
      series.forEach((s, si) => {
        const v = s.values[i] ?? 0;
        const x0 = left + band * i + (band - inner) / 2 + (stacked ? 0 : si * barW);
        const from = stacked ? (v >= 0 ? up : down) : 0;
        const to = from + v;
        if (stacked && v >= 0) up = to;
        else if (stacked) down = to;
        const y0 = Math.min(y(from), y(to));
        const h = Math.abs(y(from) - y(to));
        parts.push(
          `<rect x="${x0.toFixed(1)}" y="${y0.toFixed(1)}" width="${Math.max(0.5, barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[si % COLORS.length]}"/>`,
        );
        if (valueLabels && !stacked && v !== 0)
          parts.push(
            `<text x="${(x0 + barW / 2).toFixed(1)}" y="${(y0 - 2).toFixed(1)}" font-size="6.5" text-anchor="middle" font-family="Helvetica">${esc(
              fmt(v),
            )}</text>`,
          );
      });
    });
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

const NUMERIC = new Set(['int', 'code', 'money', 'percent']);

/** One report table as a pdfmake table: a repeated header row, the rows, the totals in bold on a grey band. */
function pdfTable(t: ReportTableDto, exponents: Exponents, fontSize: number): Content {
  if (t.rows.length === 0) return { text: 'No rows.', italics: true, color: '#555555', margin: [0, 2, 0, 8] };
  const first = t.columns[0]?.key;
  const cell = (r: Record<string, ReportCell>, bold: boolean): TableCell[] =>
    t.columns.map((c) => ({
      text: pdfText(
        c.kind === 'int' && typeof r[c.key] === 'number'
          ? formatAmount(r[c.key] as number, { exponent: 0 })
          : c.kind === 'money' && typeof r[c.key] === 'number'
            ? formatAmount(r[c.key] as number, {
                exponent: exponentOf(r[c.currencyKey ?? 'currency'] as string | null, exponents),
              })
            : c.kind === 'percent' && typeof r[c.key] === 'number'
              ? `${cellText(c, r, exponents)} %`
              : c.kind === 'datetime' && typeof r[c.key] === 'string'
                ? (r[c.key] as string).replace('T', ' ').slice(0, 16)
                : cellText(c, r, exponents),
      ),
      alignment: NUMERIC.has(c.kind) ? 'right' : 'left',
      bold,
      ...(bold ? { fillColor: '#eeeeee' } : {}),
    }));
  return {
    table: {
      headerRows: 1,
      dontBreakRows: true,
      body: [
        t.columns.map((c) => ({
          text: pdfText(c.label),
          bold: true,
          fillColor: '#dde6f0',
          alignment: NUMERIC.has(c.kind) ? 'right' : 'left',
        })),
        ...t.rows.map((r) => cell(r, false)),
        ...(t.totals ?? []).map((r) =>
          cell(
            first !== undefined &&
              (r[first] === null || r[first] === undefined) &&
              !Object.values(r).includes('Total')
              ? { ...r, [first]: 'Total' }
              : r,
            true,
          ),
        ),
      ],
    },
    layout: {
      hLineWidth: () => 0.4,
      vLineWidth: () => 0,
      hLineColor: () => '#bbbbbb',
      paddingLeft: () => 3,
      paddingRight: () => 3,
      paddingTop: () => 1.5,
      paddingBottom: () => 1.5,
    },
    fontSize,
    margin: [0, 2, 0, 10],
  };
}

/**
 * A report as PDF: title, subtitle, generated-at; per table its heading, the charts drawn from it (SVG built here
 * from the table's figures) and the table with repeated header rows and totals; page numbers in the footer. A4,
 * landscape when a table has more than eight columns.
 */
export async function reportPdf(report: ReportDto, exponents: Exponents = {}): Promise<Buffer> {
  const widest = Math.max(0, ...report.tables.map((t) => t.columns.length));
  const landscape = widest > 8;
  const pageWidth = (landscape ? 842 : 595) - 72;
  const content: Content[] = [
    { text: pdfText(report.title), fontSize: 16, bold: true },
    { text: pdfText(report.subtitle), fontSize: 8.5, color: '#444444', margin: [0, 3, 0, 0] },
    {
      text: `Generated ${report.generatedAt.replace('T', ' ').slice(0, 19)} UTC`,
      fontSize: 7.5,
      color: '#666666',
      margin: [0, 2, 0, 10],
    },
  ];
  for (const t of report.tables) {
    const heading: Content = {
      text: pdfText(t.title),
      fontSize: 11,
      bold: true,
      margin: [0, 4, 0, 3],
      headlineLevel: 1,
    };
    // Charts two to a row (one per currency, usually), each kept whole with its title; the first row stays
    // with the table's heading.
    const charts = report.charts.filter((c) => c.tableId === t.id);
    const w = Math.floor(charts.length > 1 ? (pageWidth - 12) / 2 : Math.min(520, pageWidth));
    if (charts.length === 0) content.push(heading);
    for (let i = 0; i < charts.length; i += 2) {
      const pair = charts.slice(i, i + 2).map((chart): Column => ({
        stack: [
          { text: pdfText(chart.title), fontSize: 8.5, italics: true, margin: [0, 0, 0, 2] },
          { svg: chartSvg(chart, t, exponents, w, 170) },
        ],
        width: w,
        unbreakable: true,
      }));
      const row: Content = { columns: pair, columnGap: 12, margin: [0, 0, 0, 6] };
      content.push({ stack: i === 0 ? [heading, row] : [row], unbreakable: true });
    }
    content.push(pdfTable(t, exponents, t.columns.length > 12 ? 6.5 : t.columns.length > 8 ? 7.5 : 8.5));
  }
  return renderPdf({
    pageOrientation: landscape ? 'landscape' : 'portrait',
    info: {
      title: pdfText(report.title),
      subject: pdfText(report.subtitle),
      producer: 'Paydesk',
      creator: 'Paydesk',
    },
    content,
    // A table heading never stays alone at the foot of a page.
    pageBreakBefore: (node, q) => node.headlineLevel === 1 && q.getFollowingNodesOnPage().length === 0,
    footerText: `${report.title} - generated ${report.generatedAt.slice(0, 10)}`,
  });
}
