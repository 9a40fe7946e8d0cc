// The interactive training-curve page of `lumos plot` (src/lumos/visual/plot_html.py):
// one uPlot chart per panel (drag to zoom, double-click to reset, hover values in the
// legend, click a legend entry to toggle its series). Built as an IIFE into
// src/lumos/visual/static/plot.js (vite.visual.config.ts) and inlined into each page.
import uPlot from "uplot";
import css from "uplot/dist/uPlot.min.css?inline";

export interface SeriesData {
  label: string;
  run: string;
  split: string | null;
  colour: string;
  dash: "solid" | "dashed" | "dotted" | "dashdot";
  y: (number | null)[];
}

export interface PanelData {
  group: string;
  title: string;
  metric: string;
  x_label: string;
  log_x: boolean;
  x: number[];
  series: SeriesData[];
}

export interface PlotData {
  groups: { id: string; title: string }[];
  panels: PanelData[];
}

export interface RenderedPanel {
  title: string;
  group: string;
  plot: uPlot;
}

const DASHES: Record<SeriesData["dash"], number[] | undefined> = {
  solid: undefined,
  dashed: [6, 4],
  dotted: [2, 3],
  dashdot: [8, 3, 2, 3],
};

function fmt(v: number | null | undefined): string {
  if (v == null || Number.isNaN(v)) return "–";
  return String(Number(v.toPrecision(6)));
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function panelOptions(p: PanelData, width: number): uPlot.Options {
  const few = p.x.length <= 30;
  return {
    width,
    height: 260,
    scales: { x: p.log_x ? { time: false, distr: 3, log: 10 } : { time: false } },
    axes: [{ label: p.x_label }, {}],
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
    series: [
      { label: p.x_label, value: (_u, v) => fmt(v) },
      ...p.series.map((s) => ({
        label: s.label,
        stroke: s.colour,
        width: 1.5,
        dash: DASHES[s.dash],
        spanGaps: true,
        points: { show: few, size: 5, fill: s.colour },
        value: (_u: uPlot, v: number | null) => fmt(v),
      })),
    ],
  };
}

export function render(root: HTMLElement, data: PlotData): RenderedPanel[] {
  if (!document.getElementById("lumos-uplot-css")) {
    const style = el("style");
    style.id = "lumos-uplot-css";
    style.textContent = css;
    document.head.appendChild(style);
  }
  const out: RenderedPanel[] = [];
  for (const g of data.groups) {
    const section = el("section");
    section.dataset.group = g.id;
    if (data.groups.length > 1) section.appendChild(el("h2", undefined, g.title));
    const grid = el("div", "grid");
    section.appendChild(grid);
    root.appendChild(section);
    for (const p of data.panels.filter((q) => q.group === g.id)) {
      const box = el("div", "panel");
      box.dataset.metric = p.metric;
      box.appendChild(el("h3", undefined, p.title));
      grid.appendChild(box);
      const aligned: uPlot.AlignedData = [p.x, ...p.series.map((s) => s.y)];
      const plot = new uPlot(panelOptions(p, 400), aligned, box);
      out.push({ title: p.title, group: p.group, plot });
    }
  }
  (window as unknown as { lumosPlots: RenderedPanel[] }).lumosPlots = out;
  return out;
}
