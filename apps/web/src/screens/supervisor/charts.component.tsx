import { type ReactNode } from 'react';

const W = 320;
const H = 120;
const PAD = 24;

/** A small line chart of a rolling window of samples (no axis library: a polyline with its last value). */
export function LineChart({ title, points, format = String }: { title: string; points: readonly { x: number; y: number }[]; format?: (y: number) => string }): ReactNode {
  const maxY = Math.max(1, ...points.map((p) => p.y));
  const minX = points[0]?.x ?? 0;
  const spanX = Math.max(1, (points.at(-1)?.x ?? 0) - minX);
  const xy = (p: { x: number; y: number }): string => `${(PAD + ((p.x - minX) / spanX) * (W - 2 * PAD)).toFixed(1)},${(H - PAD - (p.y / maxY) * (H - 2 * PAD)).toFixed(1)}`;
  const last = points.at(-1);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={last ? `${title}: ${format(last.y)}` : title} data-points={points.length}>
        <line x1={PAD} y1={H - PAD} x2={W - PAD} y2={H - PAD} className="chart__axis" />
        <line x1={PAD} y1={PAD} x2={PAD} y2={H - PAD} className="chart__axis" />
        <text x={4} y={PAD + 4} className="chart__tick">
          {format(maxY)}
        </text>
        <text x={4} y={H - PAD} className="chart__tick">
          0
        </text>
        {points.length > 1 ? <polyline points={points.map(xy).join(' ')} className="chart__line" fill="none" /> : null}
        {last ? <circle cx={xy(last).split(',')[0]} cy={xy(last).split(',')[1]} r={3} className="chart__dot" /> : null}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}

/** A small bar chart with a label and value under each bar. */
export function BarChart({ title, bars }: { title: string; bars: readonly { key: string; label: string; value: number }[] }): ReactNode {
  const maxY = Math.max(1, ...bars.map((b) => b.value));
  const slot = (W - 2 * PAD) / Math.max(1, bars.length);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${bars.map((b) => `${b.label} ${b.value}`).join(', ')}`}>
        <line x1={PAD} y1={H - PAD} x2={W - PAD} y2={H - PAD} className="chart__axis" />
        {bars.map((bar, i) => {
          const height = (bar.value / maxY) * (H - 2 * PAD);
          return (
            <g key={bar.key} data-bar={bar.key} data-value={bar.value}>
              <rect x={PAD + i * slot + slot * 0.15} y={H - PAD - height} width={slot * 0.7} height={height} className={`chart__bar chart__bar--${bar.key}`} />
              <text x={PAD + i * slot + slot / 2} y={H - PAD - height - 3} textAnchor="middle" className="chart__tick">
                {bar.value}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        {title}
        <ul className="chart__legend">
          {bars.map((bar) => (
            <li key={bar.key}>
              <span className={`chart__swatch chart__bar--${bar.key}`} aria-hidden="true" /> {bar.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
