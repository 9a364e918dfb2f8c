// Draws every chart on the page with Chart.js (served from node_modules at /vendor/chart.umd.min.js).
// A chart is a <figure class="chart"> holding a <canvas> and its data as <script type="application/json">:
// the data is only ever parsed as JSON, never inserted as HTML. Colours come from the theme's CSS
// variables, so a chart follows light and dark mode. Charts swapped in by htmx are drawn too, and
// every chart is drawn again when the operating system switches between light and dark.
;(() => {
  const drawn = new Map()

  // The server escapes the JSON as text (&quot; …); a <textarea> decodes those entities without
  // ever treating its content as markup.
  const decoder = document.createElement('textarea')
  function readSpec(figure) {
    const script = figure.querySelector('script.chart-data')
    if (!script) return null
    decoder.innerHTML = script.textContent
    return JSON.parse(decoder.value)
  }

  // The variables hold light-dark() pairs: let the browser resolve them on a real element.
  function themeColor(name, host) {
    const probe = document.createElement('span')
    probe.style.color = `var(--${name})`
    probe.hidden = true
    host.append(probe)
    const color = getComputedStyle(probe).color
    probe.remove()
    return color
  }

  function withAlpha(color, alpha) {
    const parts = color.match(/[\d.]+/g)
    return parts && parts.length >= 3 ? `rgba(${parts[0]}, ${parts[1]}, ${parts[2]}, ${alpha})` : color
  }

  const formats = {
    count: (v) => Number(v).toLocaleString('en-US'),
    ratio: (v) => `${Math.round(v * 1000) / 10}%`,
    usd: (v) => `$${Number(v).toLocaleString('en-US', { maximumFractionDigits: v < 1 ? 4 : 2 })}`,
    score: (v) => Number(v).toFixed(1),
    per_minute: (v) => `${Number(v).toFixed(v < 1 ? 2 : 1)}/min`,
  }
  const format = (unit, v) => (v === null || v === undefined ? '—' : (formats[unit] ?? String)(v))

  function axis(unit, position, colors, valueAxis, grid) {
    const scale = {
      position,
      beginAtZero: true,
      grid: { color: colors.line, display: grid },
      ticks: { color: colors.muted, maxRotation: 0, autoSkip: true },
    }
    // Only value axes format their ticks: a label axis keeps Chart.js's own (the labels themselves).
    if (valueAxis) scale.ticks.callback = (v) => format(unit, v)
    if (unit === 'ratio') scale.max = 1
    return scale
  }

  function draw(figure) {
    const canvas = figure.querySelector('canvas')
    const spec = readSpec(figure)
    if (!canvas || !spec || !window.Chart) return
    drawn.get(figure)?.destroy()
    const colors = {}
    for (const name of ['fg', 'muted', 'line', 'accent', 'good', 'bad', 'warn']) colors[name] = themeColor(name, figure)
    const shown = spec.series.filter((s) => !s.table_only)
    const units = [...new Set(shown.map((s) => s.unit))]
    const horizontal = Boolean(spec.horizontal)
    const valueKey = horizontal ? 'x' : 'y'
    const labelKey = horizontal ? 'y' : 'x'
    const scales = {
      [labelKey]: { ...axis(null, horizontal ? 'left' : 'bottom', colors, false, false), stacked: Boolean(spec.stacked) },
      [valueKey]: { ...axis(units[0], horizontal ? 'bottom' : 'left', colors, true, true), stacked: Boolean(spec.stacked) },
    }
    const second = shown.find((s) => s.axis === 'right')
    if (second) scales.y2 = axis(second.unit, 'right', colors, true, false)
    const datasets = shown.map((s) => {
      const color = colors[s.color] ?? colors.accent
      return {
        type: s.line ? 'line' : spec.kind,
        order: s.line ? 0 : 1,
        label: s.label,
        data: s.values,
        unit: s.unit,
        borderColor: color,
        backgroundColor: spec.kind === 'bar' && !s.line ? withAlpha(color, 0.75) : withAlpha(color, 0.15),
        borderWidth: spec.kind === 'bar' && !s.line ? 0 : 2,
        pointRadius: spec.labels.length > 40 ? 0 : 2,
        spanGaps: true,
        tension: 0.2,
        yAxisID: s.axis === 'right' ? 'y2' : 'y',
      }
    })
    const chart = new window.Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: document.documentElement.dataset.motion === 'off' ? false : { duration: 300 },
        interaction: { mode: 'index', intersect: false },
        scales,
        plugins: {
          legend: { display: shown.length > 1, labels: { color: colors.fg, boxWidth: 12 } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${format(item.dataset.unit, item.raw)}` } },
        },
      },
    })
    drawn.set(figure, chart)
    figure.dataset.drawn = 'true'
  }

  function drawAll(root = document) {
    for (const figure of root.querySelectorAll('figure.chart')) if (!figure.dataset.drawn) draw(figure)
    // Charts whose figure left the page (an htmx swap) free their canvas.
    for (const [figure, chart] of drawn) {
      if (!figure.isConnected) {
        chart.destroy()
        drawn.delete(figure)
      }
    }
  }

  document.addEventListener('DOMContentLoaded', () => drawAll())
  document.addEventListener('htmx:after:swap', () => drawAll())
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    for (const figure of drawn.keys()) draw(figure)
  })
})()
